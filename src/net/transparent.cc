#include "net/transparent.h"

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>

#include <cstdio>

#include "net/netlink.h"

namespace floe::net {

namespace {

std::string markText() {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", kTransparentMark);
  return buf;
}

const char* familyName(int af) { return af == AF_INET6 ? "inet6" : "inet"; }

class Nft {
 public:
  Nft() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
    if (ctx_ != nullptr) {
      nft_ctx_buffer_output(ctx_);
      nft_ctx_buffer_error(ctx_);
    }
  }
  ~Nft() {
    if (ctx_ != nullptr) nft_ctx_free(ctx_);
  }
  Nft(const Nft&) = delete;
  Nft& operator=(const Nft&) = delete;

  Status run(const std::string& commands) {
    if (ctx_ == nullptr) return makeError("nft: cannot create a libnftables context");
    if (nft_run_cmd_from_buffer(ctx_, commands.c_str()) != 0) {
      std::string err = nft_ctx_get_error_buffer(ctx_);
      while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
      return makeError("nft: " + err);
    }
    return {};
  }

 private:
  nft_ctx* ctx_;
};

struct NlSock {
  nl_sock* sock = nl_socket_alloc();
  NlSock() {
    if (sock != nullptr && nl_connect(sock, NETLINK_ROUTE) != 0) {
      nl_socket_free(sock);
      sock = nullptr;
    }
  }
  ~NlSock() {
    if (sock != nullptr) nl_socket_free(sock);
  }
  NlSock(const NlSock&) = delete;
  NlSock& operator=(const NlSock&) = delete;
};

class KernelTransparentReturn final : public TransparentReturn {
 public:
  Status install() override {
    Nft nft;
    // Replaced as a whole in one transaction: add (so the delete finds it), delete, create.
    const std::string table = std::string("inet ") + kNftTable;
    if (auto st = nft.run("add table " + table + "\ndelete table " + table + "\ntable " + table +
                          " {\n  chain divert {\n    type filter hook prerouting priority "
                          "mangle; policy accept;\n    meta l4proto tcp socket transparent 1 "
                          "meta mark set meta mark or " +
                          markText() +
                          " comment \"floe preserve_client_ip: replies to a transparent "
                          "socket\"\n  }\n}\n");
        !st) {
      return st;
    }
    NlSock nl;
    if (nl.sock == nullptr) return makeError("rtnetlink: cannot open a socket");
    for (const int af : {AF_INET, AF_INET6}) {
      if (auto st = addRule(nl.sock, af); !st) return st;
      if (auto st = addLocalRoute(nl.sock, af); !st) return st;
    }
    return {};
  }

  Result<std::vector<std::string>> remove() override {
    std::vector<std::string> out;
    Nft nft;
    const std::string table = std::string("inet ") + kNftTable;
    if (nft.run("list table " + table)) {
      if (auto st = nft.run("delete table " + table); !st) return st.error();
      out.push_back("nft table " + table);
    }
    NlSock nl;
    if (nl.sock == nullptr) return makeError("rtnetlink: cannot open a socket");

    nl_cache* rules = nullptr;
    if (int e = rtnl_rule_alloc_cache(nl.sock, AF_UNSPEC, &rules); e < 0) {
      return makeError(std::string("dump policy rules: ") + nl_geterror(e));
    }
    std::vector<rtnl_rule*> ours;
    for (auto* o = nl_cache_get_first(rules); o != nullptr; o = nl_cache_get_next(o)) {
      auto* r = reinterpret_cast<rtnl_rule*>(o);
      uint8_t proto = 0;
      if (rtnl_rule_get_protocol(r, &proto) == 0 && proto == kRouteProtocol) ours.push_back(r);
    }
    for (auto* r : ours) {
      const int e = rtnl_rule_delete(nl.sock, r, 0);
      if (e < 0 && e != -NLE_OBJ_NOTFOUND) {
        nl_cache_free(rules);
        return makeError(std::string("delete policy rule: ") + nl_geterror(e));
      }
      out.push_back(std::string("policy rule (") + familyName(rtnl_rule_get_family(r)) +
                    ") fwmark lookup " + std::to_string(rtnl_rule_get_table(r)));
    }
    nl_cache_free(rules);

    nl_cache* routes = nullptr;
    if (int e = rtnl_route_alloc_cache(nl.sock, AF_UNSPEC, 0, &routes); e < 0) {
      return makeError(std::string("dump routes: ") + nl_geterror(e));
    }
    std::vector<rtnl_route*> local;
    for (auto* o = nl_cache_get_first(routes); o != nullptr; o = nl_cache_get_next(o)) {
      auto* r = reinterpret_cast<rtnl_route*>(o);
      if (rtnl_route_get_table(r) == kTransparentTable &&
          rtnl_route_get_protocol(r) == kRouteProtocol && rtnl_route_get_type(r) == RTN_LOCAL) {
        local.push_back(r);
      }
    }
    for (auto* r : local) {
      const int e = rtnl_route_delete(nl.sock, r, 0);
      if (e < 0 && e != -NLE_OBJ_NOTFOUND) {
        nl_cache_free(routes);
        return makeError(std::string("delete local route in table 199: ") + nl_geterror(e));
      }
      out.push_back(std::string("local route (") + familyName(rtnl_route_get_family(r)) +
                    ") in table " + std::to_string(kTransparentTable));
    }
    nl_cache_free(routes);
    return out;
  }

  Result<std::vector<std::string>> missing() override {
    std::vector<std::string> out;
    Nft nft;
    if (!nft.run(std::string("list chain inet ") + kNftTable + " divert")) {
      out.push_back(std::string("nft table inet ") + kNftTable);
    }
    NlSock nl;
    if (nl.sock == nullptr) return makeError("rtnetlink: cannot open a socket");
    nl_cache* rules = nullptr;
    if (int e = rtnl_rule_alloc_cache(nl.sock, AF_UNSPEC, &rules); e < 0) {
      return makeError(std::string("dump policy rules: ") + nl_geterror(e));
    }
    bool rule[2] = {false, false};
    for (auto* o = nl_cache_get_first(rules); o != nullptr; o = nl_cache_get_next(o)) {
      auto* r = reinterpret_cast<rtnl_rule*>(o);
      uint8_t proto = 0;
      if (rtnl_rule_get_protocol(r, &proto) != 0 || proto != kRouteProtocol) continue;
      if (rtnl_rule_get_mark(r) != kTransparentMark ||
          rtnl_rule_get_table(r) != kTransparentTable) {
        continue;
      }
      rule[rtnl_rule_get_family(r) == AF_INET6 ? 1 : 0] = true;
    }
    nl_cache_free(rules);
    nl_cache* routes = nullptr;
    if (int e = rtnl_route_alloc_cache(nl.sock, AF_UNSPEC, 0, &routes); e < 0) {
      return makeError(std::string("dump routes: ") + nl_geterror(e));
    }
    bool local[2] = {false, false};
    for (auto* o = nl_cache_get_first(routes); o != nullptr; o = nl_cache_get_next(o)) {
      auto* r = reinterpret_cast<rtnl_route*>(o);
      if (rtnl_route_get_table(r) == kTransparentTable &&
          rtnl_route_get_protocol(r) == kRouteProtocol && rtnl_route_get_type(r) == RTN_LOCAL) {
        local[rtnl_route_get_family(r) == AF_INET6 ? 1 : 0] = true;
      }
    }
    nl_cache_free(routes);
    for (const int af : {AF_INET, AF_INET6}) {
      const int i = af == AF_INET6 ? 1 : 0;
      if (!rule[i]) out.push_back(std::string("policy rule (") + familyName(af) + ")");
      if (!local[i]) {
        out.push_back(std::string("local route (") + familyName(af) + ") in table " +
                      std::to_string(kTransparentTable));
      }
    }
    return out;
  }

 private:
  static Status addRule(nl_sock* sock, int af) {
    rtnl_rule* rule = rtnl_rule_alloc();
    rtnl_rule_set_family(rule, af);
    rtnl_rule_set_prio(rule, kTransparentRulePriority);
    rtnl_rule_set_mark(rule, kTransparentMark);
    rtnl_rule_set_mask(rule, kTransparentMark);
    rtnl_rule_set_table(rule, kTransparentTable);
    rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
    rtnl_rule_set_protocol(rule, kRouteProtocol);
    const int e = rtnl_rule_add(sock, rule, NLM_F_EXCL);
    rtnl_rule_put(rule);
    if (e < 0 && e != -NLE_EXIST) {
      return makeError(std::string("add rule (") + familyName(af) + ") fwmark " + markText() +
                       " lookup " + std::to_string(kTransparentTable) + ": " + nl_geterror(e));
    }
    return {};
  }

  static Status addLocalRoute(nl_sock* sock, int af) {
    rtnl_route* route = rtnl_route_alloc();
    nl_addr* dst = nl_addr_build(af, nullptr, 0);
    nl_addr_set_prefixlen(dst, 0);
    rtnl_route_set_family(route, static_cast<uint8_t>(af));
    rtnl_route_set_dst(route, dst);
    rtnl_route_set_table(route, kTransparentTable);
    rtnl_route_set_type(route, RTN_LOCAL);
    rtnl_route_set_scope(route, RT_SCOPE_HOST);
    rtnl_route_set_protocol(route, kRouteProtocol);
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    rtnl_route_nh_set_ifindex(nh, 1);  // lo
    rtnl_route_add_nexthop(route, nh);
    const int e = rtnl_route_add(sock, route, NLM_F_EXCL);
    nl_addr_put(dst);
    rtnl_route_put(route);
    if (e < 0 && e != -NLE_EXIST) {
      return makeError(std::string("add local default route (") + familyName(af) +
                       ") dev lo table " + std::to_string(kTransparentTable) + ": " +
                       nl_geterror(e));
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<TransparentReturn> makeKernelTransparentReturn() {
  return std::make_unique<KernelTransparentReturn>();
}

}  // namespace floe::net
