// Features of the configuration contract that this floe-se does not carry yet. A document
// that uses one of them for this SE is refused ("path: reason"), never silently half-applied.
#pragma once

#include <vector>

#include "config/document.h"
#include "config/model.h"

namespace floe::se {

std::vector<config::Diagnostic> unsupportedFeatures(const config::Document& doc,
                                                    const config::ServiceEngine& se);

}  // namespace floe::se
