// The keys LB_ALGORITHM_CONSISTENT_HASH hashes (Avi's pool.lb_algorithm_hash): the client's
// address (and port), or per HTTP request its URI or one header's value. A key is a 64-bit
// value; Balancer mixes it onto the ring (balancer.h). Pure functions, no state.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string_view>

#include "http/parser.h"
#include "proxy/engine.h"

namespace floe::proxy {

// FNV-1a over `bytes`: stable across processes and restarts (the same URI maps to the same
// server on every worker and every SE of a pair).
uint64_t hashBytes(std::string_view bytes);

// The key of a client connection (`peer`: the client's address, IPv4 or IPv6, port in network
// order as accept() gives it). kSourceIpAndPort: address and port; every other kind: the
// address alone (an L4 connection has no URI or header; config validation refuses URI and
// header hashing on pools of L4 virtual services).
uint64_t connectionKey(HashKey kind, const sockaddr_storage& peer);

// The key of one HTTP request (`request`: its parsed head). kUri: the request-target exactly
// as the client sent it (path and query, or the absolute form). kHeader: the values of every
// field named `header` (case-insensitive) in order, joined with ", " (RFC 9110 §5.3); a
// request without that field, or whose fields of that name are all empty, falls back to the
// client's address. kSourceIp and
// kSourceIpAndPort: connectionKey().
uint64_t requestKey(HashKey kind, std::string_view header, const http::MessageHead& request,
                    const sockaddr_storage& peer);

}  // namespace floe::proxy
