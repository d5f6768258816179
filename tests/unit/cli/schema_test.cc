// The shell's schema against the one configuration library: every field the library encodes
// (a document using every field) is in the schema with a matching kind, and every schema field
// is one the library encodes — so the grammar cannot drift from the model.
#include "cli/schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <map>
#include <set>

#include "config/document.h"

namespace floe::cli {
namespace {

using json = nlohmann::json;

// Every optional field set, every list non-empty.
const char* kEveryField = R"({
  "serviceenginegroup": [{"name": "g", "ha_mode": "HA_MODE_LEGACY_ACTIVE_STANDBY",
    "floating_intf_ip": ["10.10.1.100"], "ha_heartbeat_secret": "s"}],
  "serviceengine": [{"name": "se1", "se_group_ref": "g", "ha_priority": 10,
    "data_vnics": [{"if_name": "eth0", "ip": "10.10.1.11/24"}]}],
  "vrfcontext": [{"name": "global",
    "static_routes": [{"route_id": "1", "prefix": "0.0.0.0/0", "next_hop": "10.10.1.1",
                       "if_name": "eth0"}],
    "bgp_profile": {"local_as": 65001, "community": ["65000:1"],
                    "peers": [{"peer_ip": "10.10.1.1", "remote_as": 65000,
      "subnet": "10.10.1.0/24", "md5_secret": "x", "ebgp_multihop": 2}]},
    "bfd_profile": {"mintx": 1000, "minrx": 1000, "multi": 3}}],
  "healthmonitor": [{"name": "h", "type": "HEALTH_MONITOR_HTTP", "monitor_port": 8080,
    "http_monitor": {"http_request": "GET / HTTP/1.0", "http_response_code": ["HTTP_2XX"],
      "http_response": "ok", "maintenance_code": [503], "maintenance_response": "down"}}],
  "pool": [{"name": "p", "health_monitor_refs": ["h"], "server_timeout": 5000,
    "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH",
    "lb_algorithm_hash": "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER",
    "lb_algorithm_consistent_hash_hdr": "X-User",
    "servers": [{"ip": "10.10.20.21", "port": 80}]}],
  "applicationprofile": [{"name": "a", "type": "APPLICATION_PROFILE_TYPE_HTTP",
    "http_profile": {"connection_multiplexing_enabled": true, "client_header_timeout": 5000,
      "client_body_timeout": 5000, "keepalive_timeout": 5000, "xff_enabled": false,
      "x_forwarded_proto_enabled": false, "websockets_enabled": false,
      "xff_alternate_name": "X-Real-Client", "via_enabled": true}}],
  "virtualservice": [{"name": "v", "vip": [{"vip_id": "1", "ip_address": "10.10.1.50"}],
    "services": [{"port": 80, "port_range_end": 81}], "snat_ip": ["10.10.1.51"],
    "pool_ref": "p", "se_group_ref": "g"}]
})";

void expectKind(const FieldSchema& f, const json& value, const std::string& path) {
  EXPECT_EQ(f.list, value.is_array()) << path;
  if (f.list && value.empty()) return;
  const json& sample = f.list ? value[0] : value;
  switch (f.kind) {
    case Kind::kBool: EXPECT_TRUE(sample.is_boolean()) << path; break;
    case Kind::kInteger: EXPECT_TRUE(sample.is_number_integer()) << path; break;
    case Kind::kObject: EXPECT_TRUE(sample.is_object()) << path; break;
    case Kind::kEnum:
      ASSERT_TRUE(sample.is_string()) << path;
      EXPECT_NE(std::find(f.enum_values.begin(), f.enum_values.end(), sample.get<std::string>()),
                f.enum_values.end())
          << path;
      break;
    default: EXPECT_TRUE(sample.is_string()) << path;
  }
}

// Fields seen encoded, per (nested) schema, over every object of the document.
using Seen = std::map<const ObjectSchema*, std::set<std::string>>;

void compare(const ObjectSchema& schema, const json& object, const std::string& path, Seen& seen) {
  for (const auto& [key, value] : object.items()) {
    seen[&schema].insert(key);
    const FieldSchema* f = schema.field(key);
    ASSERT_NE(f, nullptr) << path << "." << key << " is encoded but not in the shell's schema";
    expectKind(*f, value, path + "." + key);
    if (f->kind == Kind::kObject) {
      ASSERT_NE(f->object, nullptr) << path << "." << key;
      if (f->list) {
        EXPECT_NE(f->object->field(f->key), nullptr) << path << "." << key << " key " << f->key;
        for (const auto& element : value) {
          compare(*f->object, element, path + "." + key + "[]", seen);
        }
      } else {
        compare(*f->object, value, path + "." + key, seen);
      }
    }
  }
}

void expectAllSeen(const ObjectSchema& schema, const Seen& seen, const std::string& path) {
  const auto it = seen.find(&schema);
  ASSERT_NE(it, seen.end()) << path << " never encoded";
  for (const auto& f : schema.fields) {
    EXPECT_TRUE(it->second.count(f.name))
        << path << "." << f.name << " is in the schema but the library does not encode it";
    if (f.kind == Kind::kObject) expectAllSeen(*f.object, seen, path + "." + f.name);
  }
}

TEST(Schema, MatchesEveryFieldTheConfigLibraryEncodes) {
  const auto decoded = config::decodeDocument(kEveryField);
  ASSERT_TRUE(decoded.report.ok()) << decoded.report.errors.front().toString();
  const json encoded = config::encodeDocument(decoded.document);
  ASSERT_EQ(encoded.size(), objectTypes().size());
  Seen seen;
  for (const auto& [type, objects] : encoded.items()) {
    const ObjectSchema* schema = typeSchema(type);
    ASSERT_NE(schema, nullptr) << type;
    ASSERT_FALSE(objects.empty()) << type;
    for (const auto& o : objects) {
      compare(*schema, o, type + "[" + o["name"].get<std::string>() + "]", seen);
    }
    expectAllSeen(*schema, seen, type);
  }
}

TEST(Schema, HelpSaysFormatRequirednessAndDescription) {
  const FieldSchema* subnet =
      typeSchema("vrfcontext")->field("bgp_profile")->object->field("peers")->object->field("subnet");
  ASSERT_NE(subnet, nullptr);
  const std::string help = fieldHelp(*subnet);
  EXPECT_NE(help.find("IP4 Prefix format"), std::string::npos) << help;
  EXPECT_NE(help.find("Subnet providing reachability"), std::string::npos) << help;
  const FieldSchema* peerIp =
      typeSchema("vrfcontext")->field("bgp_profile")->object->field("peers")->object->field("peer_ip");
  EXPECT_NE(fieldHelp(*peerIp).find("(required)"), std::string::npos);
}

TEST(Schema, EnumHelpListsValuesInLowerCase) {
  const std::string help = fieldHelp(*typeSchema("serviceenginegroup")->field("ha_mode"));
  EXPECT_NE(help.find("ha_mode_legacy_active_standby"), std::string::npos) << help;
}

TEST(Schema, UnknownTypeHasNoSchema) { EXPECT_EQ(typeSchema("router"), nullptr); }

}  // namespace
}  // namespace floe::cli
