// The shell's grammar against a fake controller (a Client that records requests and answers
// from a table): configure, field kinds, sub-modes, lists, save/cancel/exit, help, completion.
#include "cli/shell.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

namespace floe::cli {
namespace {

using json = nlohmann::json;

struct Request {
  std::string method;
  std::string path;
  json body;
};

class FakeController : public Client {
 public:
  Reply request(const std::string& method, const std::string& path,
                const std::optional<json>& body) override {
    requests.push_back({method, path, body.value_or(json())});
    if (method == "GET") {
      json results = json::array();
      for (const auto& [key, object] : objects) {
        const std::string type = key.substr(0, key.find('/'));
        const std::string name = key.substr(key.find('/') + 1);
        const bool byName = path.find("name=") != std::string::npos;
        if (path.rfind("/api/" + type + "?", 0) == 0 &&
            (!byName || path.find("name=" + urlEncode(name)) != std::string::npos)) {
          results.push_back(object);
        }
      }
      return {200, {{"count", results.size()}, {"results", results}}, ""};
    }
    if (refuse) return {400, {{"error", refuse->front()}, {"errors", *refuse}}, ""};
    json saved = body.value_or(json::object());
    saved["uuid"] = "x-1";
    return {method == "POST" ? 201 : 200, saved, ""};
  }
  const Request& last() const { return requests.back(); }

  std::map<std::string, json> objects;  // "type/name" → object as the API returns it
  std::optional<std::vector<std::string>> refuse;
  std::vector<Request> requests;
};

class ShellTest : public ::testing::Test {
 protected:
  bool run(const std::string& line) {
    out_.str("");
    return shell_.execute(line);
  }
  std::string output() const { return out_.str(); }

  FakeController controller_;
  std::ostringstream out_;
  Shell shell_{controller_, out_};
};

const json kGroup = {{"uuid", "serviceenginegroup-1"},
                     {"url", "/api/serviceenginegroup/serviceenginegroup-1"},
                     {"name", "Default-Group"},
                     {"ha_mode", "HA_MODE_LEGACY_ACTIVE_STANDBY"},
                     {"active_standby", true},
                     {"enable_routing", false},
                     {"floating_intf_ip", json::array()}};

TEST_F(ShellTest, ConfiguringAnExistingObjectShowsIt) {
  controller_.objects["serviceenginegroup/Default-Group"] = kGroup;
  ASSERT_TRUE(run("configure serviceenginegroup Default-Group"));
  EXPECT_EQ(output().rfind("Updating an existing object. Currently, the object is:\n", 0), 0u);
  EXPECT_NE(output().find("| ha_mode "), std::string::npos) << output();
  EXPECT_EQ(shell_.prompt(), ": serviceenginegroup> ");
  ASSERT_TRUE(run("save"));
  EXPECT_EQ(controller_.last().method, "PUT");
  EXPECT_EQ(controller_.last().path, "/api/serviceenginegroup/serviceenginegroup-1");
  EXPECT_EQ(shell_.prompt(), ": > ");
}

TEST_F(ShellTest, TheNameIsTheRestOfTheLine) {
  ASSERT_TRUE(run("configure serviceenginegroup SE group 1"));
  EXPECT_EQ(controller_.last().path, "/api/serviceenginegroup?name=SE%20group%201");
  EXPECT_EQ(output(), "");  // a new object
  ASSERT_TRUE(run("save"));
  EXPECT_EQ(controller_.last().method, "POST");
  EXPECT_EQ(controller_.last().body["name"], "SE group 1");
}

TEST_F(ShellTest, ABooleanAloneTurnsOnAndSaysItOverwrites) {
  controller_.objects["serviceenginegroup/Default-Group"] = kGroup;
  run("configure serviceenginegroup Default-Group");
  ASSERT_TRUE(run("enable_routing"));
  EXPECT_EQ(output(), "Overwriting the previously entered value for enable_routing\n");
  ASSERT_TRUE(run("no enable_routing"));
  ASSERT_TRUE(run("active_standby"));
  run("save");
  EXPECT_EQ(controller_.last().body["enable_routing"], false);
  EXPECT_EQ(controller_.last().body["active_standby"], true);
}

TEST_F(ShellTest, EnumsAreAcceptedInLowerCase) {
  controller_.objects["serviceenginegroup/Default-Group"] = kGroup;
  run("configure serviceenginegroup Default-Group");
  ASSERT_TRUE(run("ha_mode ha_mode_shared"));
  EXPECT_EQ(output(), "Overwriting the previously entered value for ha_mode\n");
  EXPECT_FALSE(run("ha_mode legacy"));
  EXPECT_NE(output().find("ha_mode_legacy_active_standby"), std::string::npos) << output();
  run("save");
  EXPECT_EQ(controller_.last().body["ha_mode"], "HA_MODE_SHARED");
}

TEST_F(ShellTest, ARepeatedListFieldAppends) {
  controller_.objects["serviceenginegroup/Default-Group"] = kGroup;
  run("configure serviceenginegroup Default-Group");
  ASSERT_TRUE(run("floating_intf_ip 10.10.10.11"));
  ASSERT_TRUE(run("floating_intf_ip 10.10.40.11"));
  EXPECT_EQ(output(), "");
  EXPECT_FALSE(run("floating_intf_ip 10.10.40"));  // not an address
  ASSERT_TRUE(run("no floating_intf_ip 10.10.10.11"));
  ASSERT_TRUE(run("floating_intf_ip 10.10.10.12"));
  run("save");
  EXPECT_EQ(controller_.last().body["floating_intf_ip"], json({"10.10.40.11", "10.10.10.12"}));
}

TEST_F(ShellTest, SeveralFieldsOnOneLineEnterTheSubMode) {
  run("configure vrfcontext global");
  ASSERT_TRUE(run("bgp_profile ibgp local_as 1"));
  EXPECT_EQ(shell_.prompt(), ": vrfcontext:bgp_profile> ");
  ASSERT_TRUE(run(""));  // an empty line does nothing
  ASSERT_TRUE(run("peers peer_ip 10.10.40.3"));
  EXPECT_EQ(output(), "New object being created\n");
  EXPECT_EQ(shell_.prompt(), ": vrfcontext:bgp_profile:peers> ");
  ASSERT_TRUE(run("subnet"));  // no value: its help
  EXPECT_NE(output().find("IP4 Prefix format"), std::string::npos) << output();
  ASSERT_TRUE(run("subnet 10.10.40.0/24"));
  ASSERT_TRUE(run("bfd"));
  ASSERT_TRUE(run("where"));
  EXPECT_EQ(output(), "vrfcontext global > bgp_profile > peers[1]\n");
  ASSERT_TRUE(run("save"));
  EXPECT_EQ(shell_.prompt(), ": vrfcontext:bgp_profile> ");
  ASSERT_TRUE(run("save"));
  EXPECT_EQ(shell_.prompt(), ": vrfcontext> ");
  ASSERT_TRUE(run("save"));
  EXPECT_EQ(controller_.last().body["bgp_profile"],
            json({{"ibgp", true},
                  {"local_as", 1},
                  {"peers", {{{"peer_ip", "10.10.40.3"}, {"subnet", "10.10.40.0/24"},
                              {"bfd", true}}}}}));
}

TEST_F(ShellTest, ListElementsAreFoundByKeyOrIndex) {
  run("configure pool web");
  run("servers ip 10.0.0.1 port 80");
  run("save");  // back to pool
  run("servers ip 10.0.0.2");
  run("save");
  ASSERT_TRUE(run("servers ip 10.0.0.1 ratio 3"));
  EXPECT_EQ(output(), "");  // the existing element, not a new one
  run("save");
  ASSERT_TRUE(run("servers index 2 ratio 5"));
  run("save");
  EXPECT_FALSE(run("servers index 3"));
  EXPECT_FALSE(run("servers port 80"));  // not the key
  run("save");
  EXPECT_EQ(controller_.last().body["servers"],
            json({{{"ip", "10.0.0.1"}, {"port", 80}, {"ratio", 3}},
                  {{"ip", "10.0.0.2"}, {"ratio", 5}}}));
}

TEST_F(ShellTest, CancelInASubModeUndoesItsEdit) {
  run("configure vrfcontext global");
  run("static_routes route_id 1 prefix 0.0.0.0/0 next_hop 10.0.0.1");
  ASSERT_TRUE(run("cancel"));  // the new route goes away
  run("bgp_profile local_as 5");
  run("save");
  run("bgp_profile local_as 7");
  run("cancel");  // local_as back to 5
  run("save");
  EXPECT_EQ(controller_.last().body.value("static_routes", json::array()), json::array());
  EXPECT_EQ(controller_.last().body["bgp_profile"]["local_as"], 5);
}

TEST_F(ShellTest, CancelAtTheTopSendsNothing) {
  run("configure pool web");
  run("default_server_port 8080");
  const size_t before = controller_.requests.size();
  ASSERT_TRUE(run("cancel"));
  EXPECT_EQ(controller_.requests.size(), before);
  EXPECT_EQ(shell_.prompt(), ": > ");
}

TEST_F(ShellTest, ARefusedSaveStaysInTheModeWithTheEdit) {
  controller_.refuse = std::vector<std::string>{
      "applicationprofile[System-HTTP].preserve_client_ip: requires enable_routing",
      "applicationprofile[System-HTTP].x: second"};
  run("configure applicationprofile System-HTTP");
  run("preserve_client_ip");
  EXPECT_FALSE(run("save"));
  EXPECT_EQ(output(),
            "applicationprofile[System-HTTP].preserve_client_ip: requires enable_routing\n"
            "applicationprofile[System-HTTP].x: second\n");
  EXPECT_EQ(shell_.prompt(), ": applicationprofile> ");
  controller_.refuse.reset();
  ASSERT_TRUE(run("save"));
  EXPECT_EQ(controller_.last().body["preserve_client_ip"], true);
}

// DESIGN.md rule 5 in the shell.
TEST_F(ShellTest, PreserveClientIpTurnsMultiplexingOffAndSaysSo) {
  controller_.objects["applicationprofile/System-HTTP"] = {
      {"uuid", "applicationprofile-1"},
      {"name", "System-HTTP"},
      {"preserve_client_ip", false},
      {"http_profile", {{"connection_multiplexing_enabled", true}}}};
  run("configure applicationprofile System-HTTP");
  ASSERT_TRUE(run("preserve_client_ip"));
  EXPECT_NE(output().find("Turning off http_profile.connection_multiplexing_enabled"),
            std::string::npos)
      << output();
  run("save");
  EXPECT_EQ(controller_.last().body["http_profile"]["connection_multiplexing_enabled"], false);
}

TEST_F(ShellTest, UnknownCommandsAndFieldsFail) {
  EXPECT_FALSE(run("frobnicate"));
  EXPECT_FALSE(run("configure router r1"));
  run("configure pool web");
  EXPECT_FALSE(run("colour blue"));
  EXPECT_NE(output().find("Unknown field colour for pool"), std::string::npos);
  EXPECT_FALSE(run("default_server_port eighty"));
}

TEST_F(ShellTest, ExitLeavesTheShellOnlyAtTheTop) {
  run("configure pool web");
  run("exit");
  EXPECT_FALSE(shell_.finished());
  EXPECT_EQ(shell_.prompt(), ": > ");
  run("exit");
  EXPECT_TRUE(shell_.finished());
}

TEST_F(ShellTest, CompletesCommandsTypesFieldsAndEnumValues) {
  EXPECT_EQ(shell_.complete("conf"), std::vector<std::string>{"configure"});
  EXPECT_EQ(shell_.complete("configure serviceenginegr"),
            std::vector<std::string>{"serviceenginegroup"});
  controller_.objects["serviceenginegroup/Default-Group"] = kGroup;
  EXPECT_EQ(shell_.complete("configure serviceenginegroup De"),
            std::vector<std::string>{"Default-Group"});
  run("configure serviceenginegroup Default-Group");
  EXPECT_EQ(shell_.complete("enable_r"), std::vector<std::string>{"enable_routing"});
  EXPECT_EQ(shell_.complete("ha_mode ha_mode_legacy"),
            std::vector<std::string>{"ha_mode_legacy_active_standby"});
  EXPECT_EQ(shell_.complete("sa"), std::vector<std::string>{"save"});
}

TEST_F(ShellTest, PoolHashFieldsCompleteAndSave) {
  run("configure pool web");
  EXPECT_EQ(shell_.complete("lb_algorithm_h"), std::vector<std::string>{"lb_algorithm_hash"});
  EXPECT_EQ(shell_.complete("lb_algorithm_hash lb_algorithm_consistent_hash_custom"),
            std::vector<std::string>{"lb_algorithm_consistent_hash_custom_header"});
  ASSERT_TRUE(run("lb_algorithm lb_algorithm_consistent_hash"));
  ASSERT_TRUE(run("lb_algorithm_hash lb_algorithm_consistent_hash_custom_header"));
  ASSERT_TRUE(run("lb_algorithm_consistent_hash_hdr X-User"));
  EXPECT_FALSE(run("lb_algorithm_hash lb_algorithm_consistent_hash_callid"));
  ASSERT_TRUE(run("save"));
  EXPECT_EQ(controller_.last().body["lb_algorithm_hash"],
            "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER");
  EXPECT_EQ(controller_.last().body["lb_algorithm_consistent_hash_hdr"], "X-User");
}

// Every field of every type, typed the way its kind is typed, reaches the saved object.
TEST_F(ShellTest, EveryFieldOfEveryTypeCanBeSet) {
  for (const ObjectSchema* type : objectTypes()) {
    SCOPED_TRACE(type->name);
    ASSERT_TRUE(run("configure " + type->name + " t1"));
    std::function<void(const ObjectSchema&, json&)> fill = [&](const ObjectSchema& schema,
                                                               json& expected) {
      for (const auto& f : schema.fields) {
        SCOPED_TRACE(f.name);
        if (f.name == "name") continue;
        std::string value;
        json stored;
        switch (f.kind) {
          case Kind::kBool: ASSERT_TRUE(run(f.name)); expected[f.name] = true; continue;
          case Kind::kInteger: value = "7"; stored = 7; break;
          case Kind::kString: case Kind::kRef: value = "v"; stored = "v"; break;
          case Kind::kEnum: stored = f.enum_values.back(); value = stored; break;
          case Kind::kIpAddress: value = "10.1.2.3"; stored = value; break;
          case Kind::kPrefix: case Kind::kIfPrefix: value = "10.1.2.0/24"; stored = value; break;
          case Kind::kObject: {
            const FieldSchema* key = f.list ? f.object->field(f.key) : nullptr;
            json element = json::object();
            if (f.list) {
              const std::string keyValue = key->kind == Kind::kInteger ? "9" : "10.9.9.9";
              ASSERT_TRUE(run(f.name + " " + f.key + " " + keyValue));
              element[f.key] = key->kind == Kind::kInteger ? json(9) : json(keyValue);
            } else {
              ASSERT_TRUE(run(f.name));
            }
            fill(*f.object, element);
            ASSERT_TRUE(run("save"));
            if (f.list) {
              expected[f.name] = json::array({element});
            } else {
              expected[f.name] = element;
            }
            continue;
          }
        }
        ASSERT_TRUE(run(f.name + " " + value));
        expected[f.name] = f.list ? json::array({stored}) : stored;
      }
    };
    json expected = {{"name", "t1"}};
    fill(*type, expected);
    ASSERT_TRUE(run("save"));
    json body = controller_.last().body;
    EXPECT_EQ(body, expected);
  }
}

}  // namespace
}  // namespace floe::cli
