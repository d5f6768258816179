// libFuzzer target for the controller's REST request body decoding: the input is sent as the
// body of POST /api/TYPE, PUT and PATCH of a built-in, and POST /api/configuration/import
// (the first byte picks which). Besides "no crash, no sanitizer report" it checks that every
// reply is JSON, that a refusal carries at least one "path: reason", and that an accepted
// write leaves a configuration that exports and re-imports unchanged.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "controller/api.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floe::controller;
  using json = nlohmann::json;
  if (size == 0) return 0;
  auto store = Store::open(":memory:");
  if (!store) fail("in-memory store", store.error().message);
  auto objects = ObjectService::open(**store);
  if (!objects) fail("object service", objects.error().message);
  // Auth is not exercised here (handleAuthenticated); it needs a store with one account.
  std::ostringstream announce;
  static auto* authStore = std::move(Store::open(":memory:").value()).release();
  static auto* auth = std::move(Auth::open(*authStore, std::string("x"), announce).value()).release();
  Api api(**objects, *auth);

  const auto& types = ObjectService::types();
  const uint8_t selector = data[0];
  HttpRequest request;
  request.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string type = types[selector % types.size()];
  switch ((selector / types.size()) % 4) {
    case 0:
      request.method = "POST";
      request.path = "/api/" + type;
      break;
    case 1:
    case 2: {
      const auto list = (*objects)->list(type);
      if (list.empty()) return 0;
      request.method = (selector / types.size()) % 4 == 1 ? "PUT" : "PATCH";
      request.path = "/api/" + type + "/" + list.front()["uuid"].get<std::string>();
      break;
    }
    default:
      request.method = "POST";
      request.path = "/api/configuration/import";
  }
  const HttpResponse reply = api.handleAuthenticated(request);
  const json body = json::parse(reply.body, nullptr, false);
  if (reply.status != 204 && body.is_discarded()) fail("reply is not JSON", reply.body);
  if (reply.status >= 400) {
    if (!body.contains("errors") || body["errors"].empty()) fail("refusal without errors", reply.body);
    return 0;
  }
  const json exported = (*objects)->exportDocument();
  HttpRequest reimport{"POST", "/api/configuration/import", {}, exported.dump(), "", ""};
  const HttpResponse again = api.handleAuthenticated(reimport);
  if (again.status != 200) fail("the exported configuration is not importable", again.body);
  if ((*objects)->exportDocument() != exported) fail("import(export) changed the configuration", "");
  return 0;
}
