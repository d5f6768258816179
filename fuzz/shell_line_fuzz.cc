// libFuzzer target for the shell's line decoding (tokenizer, field grammar, sub-modes, list
// keys and indexes, `no`, completion): the input is split into lines and each is executed
// against a stand-in controller that answers every GET with one stored object of the type
// (nested objects and lists included) and accepts every save. Besides "no crash, no sanitizer
// report", the prompt must always name the current mode and completion must not throw.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/shell.h"

namespace {

using json = nlohmann::json;

class StandIn : public floe::cli::Client {
 public:
  floe::cli::Reply request(const std::string& method, const std::string& path,
                           const std::optional<json>& body) override {
    if (method == "GET") {
      const json object = {
          {"uuid", "x-1"},
          {"name", "n"},
          {"floating_intf_ip", {"10.0.0.1"}},
          {"bgp_profile", {{"local_as", 1}, {"peers", {{{"peer_ip", "10.0.0.2"}}}}}},
          {"servers", {{{"ip", "10.0.0.3"}, {"port", 80}}}},
          {"http_profile", {{"connection_multiplexing_enabled", true}}}};
      return {200, {{"count", 1}, {"results", {object}}}, ""};
    }
    json saved = body.value_or(json::object());
    return {200, saved, ""};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  StandIn client;
  std::ostringstream out;
  floe::cli::Shell shell(client, out);
  std::string text(reinterpret_cast<const char*>(data), size);
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line) && n++ < 64) {
    shell.execute(line);
    (void)shell.complete(line);
    const std::string prompt = shell.prompt();
    if (prompt.size() < 4 || prompt.rfind(": ", 0) != 0 || prompt.substr(prompt.size() - 2) != "> ") {
      std::fprintf(stderr, "bad prompt %s\n", prompt.c_str());
      std::abort();
    }
    if (shell.finished()) break;
  }
  return 0;
}
