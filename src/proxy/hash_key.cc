#include "proxy/hash_key.h"

#include <netinet/in.h>
#include <strings.h>

#include "proxy/worker_service.h"

namespace floe::proxy {

namespace {
constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

uint64_t feed(uint64_t h, std::string_view bytes) {
  for (const char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= kFnvPrime;
  }
  return h;
}

bool sameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

uint64_t hashBytes(std::string_view bytes) { return feed(kFnvOffset, bytes); }

uint64_t connectionKey(HashKey kind, const sockaddr_storage& peer) {
  const uint64_t address = clientKey(peer);
  if (kind != HashKey::kSourceIpAndPort) return address;
  uint16_t port = 0;
  if (peer.ss_family == AF_INET6) {
    port = reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port;
  } else {
    port = reinterpret_cast<const sockaddr_in*>(&peer)->sin_port;
  }
  const char bytes[2] = {static_cast<char>(port & 0xff), static_cast<char>(port >> 8)};
  return feed(address, std::string_view(bytes, 2));
}

uint64_t requestKey(HashKey kind, std::string_view header, const http::MessageHead& request,
                    const sockaddr_storage& peer) {
  switch (kind) {
    case HashKey::kUri:
      return hashBytes(request.target);
    case HashKey::kHeader: {
      // Empty values carry no identity: a request whose fields of that name are all empty
      // goes where one without the header goes, instead of every such request to one server.
      uint64_t h = kFnvOffset;
      bool found = false;
      bool any_value = false;
      for (const http::HeaderField& f : request.fields) {
        if (!sameName(f.name, header)) continue;
        if (found) h = feed(h, ", ");
        h = feed(h, f.value);
        found = true;
        any_value = any_value || !f.value.empty();
      }
      return any_value ? h : connectionKey(HashKey::kSourceIp, peer);
    }
    case HashKey::kSourceIp:
    case HashKey::kSourceIpAndPort:
      break;
  }
  return connectionKey(kind, peer);
}

}  // namespace floe::proxy
