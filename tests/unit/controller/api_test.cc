// The REST API driven as a function (api.h): every verb, every error status, the ref forms,
// paging, built-ins, whole-configuration validation, export/import and authentication.
#include "controller/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace floe::controller {
namespace {

using json = nlohmann::json;

class ApiTest : public ::testing::Test {
 protected:
  // One account store for the suite: hashing the admin password is slow on purpose.
  static void SetUpTestSuite() {
    authStore_ = std::move(Store::open(":memory:").value()).release();
    std::ostringstream announce;
    auth_ = std::move(Auth::open(*authStore_, std::string("secret"), announce).value()).release();
  }
  static void TearDownTestSuite() {
    delete auth_;
    delete authStore_;
  }

  void SetUp() override {
    store_ = std::move(Store::open(":memory:").value());
    objects_ = std::move(ObjectService::open(*store_).value());
    api_ = std::make_unique<Api>(*objects_, *auth_);
  }

  HttpResponse call(const std::string& method, const std::string& target,
                    const json& body = nullptr) {
    HttpRequest r;
    r.method = method;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::string query = target.substr(q + 1);
      size_t pos = 0;
      while (pos < query.size()) {
        auto amp = query.find('&', pos);
        if (amp == std::string::npos) amp = query.size();
        const std::string kv = query.substr(pos, amp - pos);
        const auto eq = kv.find('=');
        r.query.emplace(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
        pos = amp + 1;
      }
    }
    if (!body.is_null()) r.body = body.dump();
    return api_->handleAuthenticated(r);
  }
  json ok(const std::string& method, const std::string& target, const json& body = nullptr,
          int status = 200) {
    const HttpResponse r = call(method, target, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return r.body.empty() ? json() : json::parse(r.body);
  }
  std::string uuidOf(const std::string& type, const std::string& name) {
    const json list = ok("GET", "/api/" + type + "?name=" + name);
    EXPECT_EQ(list["count"], 1) << type << " " << name;
    return list["results"][0]["uuid"];
  }
  std::vector<std::string> errorsOf(const HttpResponse& r) {
    return json::parse(r.body)["errors"].get<std::vector<std::string>>();
  }

  static inline Store* authStore_ = nullptr;
  static inline Auth* auth_ = nullptr;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ObjectService> objects_;
  std::unique_ptr<Api> api_;
};

const json kPool = {{"name", "web"},
                    {"servers", {{{"ip", "10.10.20.21"}}}},
                    {"health_monitor_refs", {"System-TCP"}}};

TEST_F(ApiTest, BuiltInObjectsExistFromTheFirstStart) {
  for (const auto& [type, name] :
       std::vector<std::pair<std::string, std::string>>{{"serviceenginegroup", "Default-Group"},
                                                        {"vrfcontext", "global"},
                                                        {"applicationprofile", "System-HTTP"},
                                                        {"applicationprofile",
                                                         "System-L4-Application"},
                                                        {"healthmonitor", "System-TCP"},
                                                        {"healthmonitor", "System-HTTP"},
                                                        {"healthmonitor", "System-Ping"}}) {
    const std::string uuid = uuidOf(type, name);
    EXPECT_EQ(uuid.rfind(type + "-", 0), 0u) << uuid;
  }
}

TEST_F(ApiTest, BuiltInsAreEditableButNotDeletable) {
  const std::string uuid = uuidOf("serviceenginegroup", "Default-Group");
  const json g = ok("PATCH", "/api/serviceenginegroup/" + uuid,
                    {{"replace", {{"dp_hb_frequency", 200}}}});
  EXPECT_EQ(g["dp_hb_frequency"], 200);
  const HttpResponse r = call("DELETE", "/api/serviceenginegroup/" + uuid);
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("can be edited but not deleted"), std::string::npos) << r.body;
  const HttpResponse rename =
      call("PATCH", "/api/serviceenginegroup/" + uuid, {{"replace", {{"name", "Other"}}}});
  EXPECT_EQ(rename.status, 409);
  EXPECT_NE(rename.body.find("cannot be renamed"), std::string::npos) << rename.body;
}

TEST_F(ApiTest, AMethodThePathDoesNotTakeIs405) {
  EXPECT_EQ(call("DELETE", "/api/pool").status, 405);
  EXPECT_EQ(call("POST", "/api/pool/" + uuidOf("healthmonitor", "System-TCP")).status, 405);
  EXPECT_EQ(call("PUT", "/api/configuration/export").status, 405);
  EXPECT_EQ(call("GET", "/api/configuration/import").status, 405);
}

TEST_F(ApiTest, CreateReturnsTheObjectWithUuidUrlDefaultsAndRefUrls) {
  const json p = ok("POST", "/api/pool", kPool, 201);
  const std::string uuid = p["uuid"];
  EXPECT_EQ(uuid.size(), std::string("pool-").size() + 36);
  EXPECT_EQ(uuid[5 + 14], '4');  // uuid version 4
  EXPECT_EQ(p["url"], "/api/pool/" + uuid);
  EXPECT_EQ(p["lb_algorithm"], "LB_ALGORITHM_LEAST_CONNECTIONS");  // Avi's default
  EXPECT_EQ(p["health_monitor_refs"][0],
            "/api/healthmonitor/" + uuidOf("healthmonitor", "System-TCP") + "#System-TCP");
  EXPECT_EQ(ok("GET", "/api/pool/" + uuid), p);
}

TEST_F(ApiTest, AcceptsRefsAsNameQueryUrlAndUuidUrl) {
  ok("POST", "/api/pool", kPool, 201);
  const std::string poolUuid = uuidOf("pool", "web");
  int n = 0;
  for (const std::string& ref : {std::string("web"), std::string("/api/pool?name=web"),
                                "/api/pool/" + poolUuid,
                                "https://controller.example/api/pool/" + poolUuid}) {
    const std::string name = "vs" + std::to_string(++n);
    const json vs = ok("POST", "/api/virtualservice",
                       {{"name", name},
                        {"vip", {{{"vip_id", "1"}, {"ip_address", "10.10.2." + std::to_string(n)}}}},
                        {"services", {{{"port", 80}}}},
                        {"pool_ref", ref}},
                       201);
    EXPECT_EQ(vs["pool_ref"], "/api/pool/" + poolUuid + "#web") << ref;
  }
}

TEST_F(ApiTest, RefusesARefToAnUnknownUuid) {
  json body = kPool;
  body["health_monitor_refs"] = {"/api/healthmonitor/healthmonitor-nope"};
  const HttpResponse r = call("POST", "/api/pool", body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(errorsOf(r),
            std::vector<std::string>{
                "health_monitor_refs[0]: no healthmonitor has uuid \"healthmonitor-nope\""});
}

TEST_F(ApiTest, InvalidObjectIsRefusedWithEveryPathAndReason) {
  const HttpResponse r =
      call("POST", "/api/pool",
           {{"name", "bad"},
            {"default_server_port", 0},
            {"servers", {{{"ip", "10.10.20.300"}}}},
            {"colour", "red"}});
  EXPECT_EQ(r.status, 400);
  const auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 3u) << r.body;
  for (const auto& e : errors) EXPECT_EQ(e.rfind("pool[bad].", 0), 0u) << e;
  EXPECT_EQ(ok("GET", "/api/pool")["count"], 0);  // nothing was stored
}

TEST_F(ApiTest, DuplicateNameIsAConflict) {
  ok("POST", "/api/pool", kPool, 201);
  EXPECT_EQ(call("POST", "/api/pool", kPool).status, 409);
}

TEST_F(ApiTest, UnknownTypeOrUuidIsNotFound) {
  EXPECT_EQ(call("GET", "/api/nosuchtype").status, 404);
  EXPECT_EQ(call("GET", "/api/pool/pool-nope").status, 404);
  EXPECT_EQ(call("PUT", "/api/pool/pool-nope", kPool).status, 404);
  EXPECT_EQ(call("PATCH", "/api/pool/pool-nope", {{"replace", json::object()}}).status, 404);
  EXPECT_EQ(call("DELETE", "/api/pool/pool-nope").status, 404);
}

TEST_F(ApiTest, MalformedBodiesAreBadRequests) {
  HttpRequest r{"POST", "/api/pool", {}, "{not json", "", ""};
  EXPECT_EQ(api_->handleAuthenticated(r).status, 400);
  EXPECT_EQ(call("POST", "/api/pool", json::array()).status, 400);
  EXPECT_EQ(call("POST", "/api/pool", {{"servers", json::array()}}).status, 400);  // no name
  ok("POST", "/api/pool", kPool, 201);
  EXPECT_EQ(call("PATCH", "/api/pool/" + uuidOf("pool", "web"), {{"merge", json::object()}}).status,
            400);
}

TEST_F(ApiTest, PutReplacesTheWholeObject) {
  const std::string uuid = ok("POST", "/api/pool", kPool, 201)["uuid"];
  const json p = ok("PUT", "/api/pool/" + uuid,
                    {{"name", "web"}, {"lb_algorithm", "LB_ALGORITHM_ROUND_ROBIN"}});
  EXPECT_EQ(p["lb_algorithm"], "LB_ALGORITHM_ROUND_ROBIN");
  EXPECT_EQ(p["servers"], json::array());
  EXPECT_EQ(p["health_monitor_refs"], json::array());
}

TEST_F(ApiTest, ConsistentHashFieldsRoundTripAndAreJudgedByTheConfigLibrary) {
  json pool = kPool;
  pool["lb_algorithm"] = "LB_ALGORITHM_CONSISTENT_HASH";
  pool["lb_algorithm_hash"] = "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER";
  pool["lb_algorithm_consistent_hash_hdr"] = "X-User";
  const json p = ok("POST", "/api/pool", pool, 201);
  EXPECT_EQ(p["lb_algorithm_hash"], "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER");
  EXPECT_EQ(p["lb_algorithm_consistent_hash_hdr"], "X-User");
  EXPECT_EQ(ok("GET", "/api/pool/" + p["uuid"].get<std::string>()), p);

  json bad = kPool;
  bad["name"] = "other";
  bad["lb_algorithm"] = "LB_ALGORITHM_CONSISTENT_HASH";
  bad["lb_algorithm_hash"] = "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER";
  bad["lb_algorithm_consistent_hash_hdr"] = "X User";
  const HttpResponse r = call("POST", "/api/pool", bad);
  EXPECT_EQ(r.status, 400) << r.body;
  const auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 1u) << r.body;
  EXPECT_EQ(errors[0].rfind("pool[other].lb_algorithm_consistent_hash_hdr: is not an HTTP header "
                            "name",
                            0),
            0u)
      << errors[0];

  // A header hash on the pool of an L4 virtual service: refused, naming the service.
  const HttpResponse l4 = call("POST", "/api/virtualservice",
                               {{"name", "vs-l4"},
                                {"vip", {{{"vip_id", "1"}, {"ip_address", "10.10.2.100"}}}},
                                {"services", {{{"port", 80}}}},
                                {"pool_ref", "web"},
                                {"application_profile_ref", "System-L4-Application"}});
  EXPECT_EQ(l4.status, 400) << l4.body;
  EXPECT_NE(l4.body.find("virtualservice vs-l4 uses this pool"), std::string::npos) << l4.body;
}

TEST_F(ApiTest, PatchAddsReplacesAndDeletes) {
  const std::string uuid = ok("POST", "/api/pool", kPool, 201)["uuid"];
  json p = ok("PATCH", "/api/pool/" + uuid,
              {{"add", {{"servers", {{{"ip", "10.10.20.22"}}}}}},
               {"replace", {{"default_server_port", 8080}}}});
  EXPECT_EQ(p["servers"].size(), 2u);
  EXPECT_EQ(p["default_server_port"], 8080);
  p = ok("PATCH", "/api/pool/" + uuid,
         {{"delete", {{"health_monitor_refs", {"System-TCP"}}, {"default_server_port", nullptr}}}});
  EXPECT_EQ(p["health_monitor_refs"], json::array());
  EXPECT_EQ(p["default_server_port"], 80);  // back to the default
  const HttpResponse r =
      call("PATCH", "/api/pool/" + uuid, {{"delete", {{"health_monitor_refs", {"System-Ping"}}}}});
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(ApiTest, DeletingAReferencedObjectIsRefusedNamingTheReferrer) {
  ok("POST", "/api/pool", kPool, 201);
  ok("POST", "/api/virtualservice",
     {{"name", "vs1"},
      {"vip", {{{"vip_id", "1"}, {"ip_address", "10.10.2.100"}}}},
      {"services", {{{"port", 80}}}},
      {"pool_ref", "web"}},
     201);
  const HttpResponse r = call("DELETE", "/api/pool/" + uuidOf("pool", "web"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(errorsOf(r), std::vector<std::string>{
                             "pool[web]: cannot delete; referred to by virtualservice \"vs1\" "
                             "(pool_ref); change or delete that first"});
  ok("DELETE", "/api/virtualservice/" + uuidOf("virtualservice", "vs1"), nullptr, 204);
  ok("DELETE", "/api/pool/" + uuidOf("pool", "web"), nullptr, 204);
  EXPECT_EQ(ok("GET", "/api/pool")["count"], 0);
}

TEST_F(ApiTest, RenamingAReferencedObjectIsAConflict) {
  ok("POST", "/api/healthmonitor", {{"name", "hm"}}, 201);
  json pool = kPool;
  pool["health_monitor_refs"] = {"hm"};
  ok("POST", "/api/pool", pool, 201);
  const HttpResponse r =
      call("PUT", "/api/healthmonitor/" + uuidOf("healthmonitor", "hm"), {{"name", "hm2"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("referred to by pool \\\"web\\\""), std::string::npos) << r.body;
}

// DESIGN.md rule 5's order through the API: preserve_client_ip only once a group routes.
TEST_F(ApiTest, PreserveClientIpWaitsForEnableRouting) {
  const std::string profile = uuidOf("applicationprofile", "System-HTTP");
  const json patch = {{"replace",
                       {{"preserve_client_ip", true},
                        {"http_profile", {{"connection_multiplexing_enabled", false}}}}}};
  const HttpResponse refused = call("PATCH", "/api/applicationprofile/" + profile, patch);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("enable_routing"), std::string::npos) << refused.body;
  ok("PATCH", "/api/serviceenginegroup/" + uuidOf("serviceenginegroup", "Default-Group"),
     {{"replace", {{"enable_routing", true}}}});
  EXPECT_EQ(ok("PATCH", "/api/applicationprofile/" + profile, patch)["preserve_client_ip"], true);
}

// The rule applies to the whole configuration: a group change that breaks another object's
// validity is refused too.
TEST_F(ApiTest, AWriteIsValidatedAgainstTheWholeConfiguration) {
  const std::string group = uuidOf("serviceenginegroup", "Default-Group");
  ok("PATCH", "/api/serviceenginegroup/" + group, {{"replace", {{"enable_routing", true}}}});
  ok("PATCH", "/api/applicationprofile/" + uuidOf("applicationprofile", "System-HTTP"),
     {{"replace",
       {{"preserve_client_ip", true},
        {"http_profile", {{"connection_multiplexing_enabled", false}}}}}});
  const HttpResponse r = call("PATCH", "/api/serviceenginegroup/" + group,
                              {{"replace", {{"enable_routing", false}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ok("GET", "/api/serviceenginegroup/" + group)["enable_routing"], true);
}

TEST_F(ApiTest, ListsPageByPageWithNext) {
  for (int i = 0; i < 5; ++i) {
    ok("POST", "/api/healthmonitor", {{"name", "hm" + std::to_string(i)}}, 201);
  }
  // 3 built-in monitors + 5
  json page = ok("GET", "/api/healthmonitor?page_size=3");
  EXPECT_EQ(page["count"], 8);
  EXPECT_EQ(page["results"].size(), 3u);
  EXPECT_EQ(page["next"], "/api/healthmonitor?page=2&page_size=3");
  page = ok("GET", "/api/healthmonitor?page=3&page_size=3");
  EXPECT_EQ(page["results"].size(), 2u);
  EXPECT_FALSE(page.contains("next"));
  EXPECT_EQ(call("GET", "/api/healthmonitor?page=0").status, 400);
}

TEST_F(ApiTest, FieldsSelectsWhatTheListReturns) {
  const json list = ok("GET", "/api/healthmonitor?name=System-TCP&fields=name,send_interval");
  ASSERT_EQ(list["count"], 1);
  const json& o = list["results"][0];
  EXPECT_EQ(o.size(), 4u) << o;  // uuid, url, name, send_interval
  EXPECT_EQ(o["send_interval"], 10);
}

TEST_F(ApiTest, ExportThenImportRoundTrips) {
  ok("POST", "/api/pool", kPool, 201);
  const std::string poolUuid = uuidOf("pool", "web");
  const json doc = ok("GET", "/api/configuration/export");
  EXPECT_EQ(doc["pool"][0]["health_monitor_refs"][0], "System-TCP");  // names, not URLs
  json changed = doc;
  changed["pool"][0]["default_server_port"] = 8080;
  changed["healthmonitor"].push_back({{"name", "new"}});
  ok("POST", "/api/configuration/import", changed);
  EXPECT_EQ(uuidOf("pool", "web"), poolUuid);  // kept its uuid
  EXPECT_EQ(ok("GET", "/api/pool/" + poolUuid)["default_server_port"], 8080);
  uuidOf("healthmonitor", "new");
}

TEST_F(ApiTest, AnInvalidImportChangesNothing) {
  ok("POST", "/api/pool", kPool, 201);
  const json before = ok("GET", "/api/configuration/export");
  json bad = before;
  bad["pool"] = json::array();  // nothing refers to it: fine alone
  bad["serviceenginegroup"][0]["enable_routing"] = true;
  bad["serviceenginegroup"][0]["distribute_load_active_standby"] = true;  // rule 2
  const HttpResponse r = call("POST", "/api/configuration/import", bad);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ok("GET", "/api/configuration/export"), before);
}

TEST_F(ApiTest, WritesReachTheStore) {
  ok("POST", "/api/pool", kPool, 201);
  auto reopened = ObjectService::open(*store_);
  ASSERT_TRUE(reopened);
  EXPECT_TRUE((*reopened)->uuidOf("pool", "web"));
  EXPECT_EQ((*reopened)->exportDocument(), objects_->exportDocument());
}

TEST_F(ApiTest, WatchAnswersAtOnceWhenTheVersionDiffers) {
  const json first = ok("GET", "/api/configuration/watch");
  ASSERT_TRUE(first.contains("version"));
  EXPECT_EQ(first["document"], ok("GET", "/api/configuration/export"));
  const auto t0 = std::chrono::steady_clock::now();
  const json again = ok("GET", "/api/configuration/watch?since=older&timeout=30");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  EXPECT_EQ(again["version"], first["version"]);
}

TEST_F(ApiTest, WatchWaitsForAWriteThenAnswers) {
  const std::string version = ok("GET", "/api/configuration/watch")["version"];
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    HttpRequest r{"POST", "/api/pool", {}, kPool.dump(), "", ""};
    api_->handleAuthenticated(r);
  });
  const auto t0 = std::chrono::steady_clock::now();
  const json changed = ok("GET", "/api/configuration/watch?since=" + version + "&timeout=10");
  const auto waited = std::chrono::steady_clock::now() - t0;
  writer.join();
  EXPECT_NE(changed["version"], version);
  EXPECT_EQ(changed["document"]["pool"][0]["name"], "web");
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_F(ApiTest, WatchTimesOutWithTheSameVersion) {
  const std::string version = ok("GET", "/api/configuration/watch")["version"];
  EXPECT_EQ(ok("GET", "/api/configuration/watch?since=" + version + "&timeout=1")["version"],
            version);
  EXPECT_EQ(call("GET", "/api/configuration/watch?timeout=61").status, 400);
}

TEST_F(ApiTest, RuntimeReportsAreServedPerEngineAndVirtualService) {
  const std::string se = ok("POST", "/api/serviceengine", {{"name", "se1"}}, 201)["uuid"];
  ok("POST", "/api/pool", kPool, 201);
  const std::string vs = ok("POST", "/api/virtualservice",
                            {{"name", "vs1"},
                             {"vip", {{{"vip_id", "1"}, {"ip_address", "10.10.2.100"}}}},
                             {"services", {{{"port", 80}}}},
                             {"pool_ref", "web"}},
                            201)["uuid"];
  EXPECT_EQ(ok("GET", "/api/serviceengine/" + se + "/runtime")["connected"], false);
  ok("PUT", "/api/serviceengine/" + se + "/runtime",
     {{"name", "se1"}, {"virtualservices", {{{"name", "vs1"}, {"state", "UP"}}}}});
  const json rt = ok("GET", "/api/serviceengine/" + se + "/runtime");
  EXPECT_EQ(rt["connected"], true);
  EXPECT_EQ(rt["status"]["virtualservices"][0]["state"], "UP");
  const json vsRt = ok("GET", "/api/virtualservice/" + vs + "/runtime");
  ASSERT_EQ(vsRt["serviceengines"].size(), 1u);
  EXPECT_EQ(vsRt["serviceengines"][0]["serviceengine"], "se1");
  EXPECT_EQ(vsRt["serviceengines"][0]["state"], "UP");
  EXPECT_EQ(call("GET", "/api/serviceengine/serviceengine-nope/runtime").status, 404);
}

TEST_F(ApiTest, SwitchoverOfAnUnconnectedEngineIsAConflict) {
  const std::string uuid =
      ok("POST", "/api/serviceengine", {{"name", "se1"}}, 201)["uuid"];
  const HttpResponse r = call("POST", "/api/serviceengine/" + uuid + "/switchover", json::object());
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("floe-se switchover --name se1"), std::string::npos) << r.body;
  EXPECT_EQ(call("POST", "/api/serviceengine/serviceengine-nope/switchover").status, 404);
}

// The relay: the SE's watch carries the command, the SE posts its reply, the caller gets it.
TEST_F(ApiTest, SwitchoverIsRelayedThroughTheEnginesWatch) {
  const std::string uuid =
      ok("POST", "/api/serviceengine", {{"name", "se1"}}, 201)["uuid"];
  ok("PUT", "/api/serviceengine/" + uuid + "/runtime", {{"name", "se1"}});  // connected
  const std::string version = ok("GET", "/api/configuration/watch")["version"];
  std::thread engine([&] {
    const json w = ok("GET", "/api/configuration/watch?since=" + version +
                                 "&timeout=10&serviceengine=" + uuid);
    ASSERT_EQ(w["commands"].size(), 1u) << w;
    EXPECT_EQ(w["commands"][0]["command"], "switchover");
    ok("POST", "/api/serviceengine/" + uuid + "/commands/" +
                   w["commands"][0]["id"].get<std::string>(),
       {{"error", "switchover: serviceengine se1 is the only SE of its group"}});
  });
  const HttpResponse r = call("POST", "/api/serviceengine/" + uuid + "/switchover", json::object());
  engine.join();
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(errorsOf(r), std::vector<std::string>{
                             "serviceengine[se1]: switchover: serviceengine se1 is the only SE "
                             "of its group"});
}

TEST_F(ApiTest, UnauthenticatedRequestsGet401) {
  HttpRequest r{"GET", "/api/pool", {}, "", "", ""};
  EXPECT_EQ(api_->handle(r).status, 401);
  r.authorization = "Basic YWRtaW46d3Jvbmc=";  // admin:wrong
  EXPECT_EQ(api_->handle(r).status, 401);
  r.authorization = "Bearer 0000";
  EXPECT_EQ(api_->handle(r).status, 401);
  r.authorization = "Basic YWRtaW46c2VjcmV0";  // admin:secret
  EXPECT_EQ(api_->handle(r).status, 200);
}

TEST_F(ApiTest, LoginGivesATokenAcceptedAsBearerAndCookieUntilLogout) {
  HttpRequest login{"POST", "/login", {}, R"({"username":"admin","password":"secret"})", "", ""};
  const HttpResponse r = api_->handle(login);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string token = json::parse(r.body)["token"];
  HttpRequest get{"GET", "/api/pool", {}, "", "Bearer " + token, ""};
  EXPECT_EQ(api_->handle(get).status, 200);
  HttpRequest cookie{"GET", "/api/pool", {}, "", "", "a=b; sessionid=" + token};
  EXPECT_EQ(api_->handle(cookie).status, 200);
  HttpRequest logout{"POST", "/logout", {}, "", "Bearer " + token, ""};
  EXPECT_EQ(api_->handle(logout).status, 200);
  EXPECT_EQ(api_->handle(get).status, 401);
  login.body = R"({"username":"admin","password":"nope"})";
  EXPECT_EQ(api_->handle(login).status, 401);
}

}  // namespace
}  // namespace floe::controller
