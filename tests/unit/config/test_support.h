// Helpers shared by the config tests: a small valid document to mutate, testdata files, and
// assertions on a Report that print every diagnostic when they fail.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "config/document.h"

namespace floe::config::testing {

using json = nlohmann::json;

// One legacy group (floating 10.10.1.100, heartbeat secret), se1/se2 on 10.10.1.0/24, a
// default route via 10.10.1.1, pool "web" and virtual service "vs1" on VIP 10.10.1.200:80.
// Decodes with no error and no notice.
json baseDocument();

std::string readTestdata(std::string_view fileName);

Decoded decode(const json& doc);  // decodeDocument() of the document's text

// Every diagnostic, one per line, for failure messages.
std::string describe(const Report& report);

// Some error has exactly `path` and a reason containing `reasonPart`.
::testing::AssertionResult hasError(const Report& report, std::string_view path,
                                    std::string_view reasonPart = "");
::testing::AssertionResult hasNotice(const Report& report, std::string_view path,
                                     std::string_view reasonPart = "");
// No error at all.
::testing::AssertionResult accepted(const Report& report);

}  // namespace floe::config::testing
