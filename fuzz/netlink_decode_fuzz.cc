// libFuzzer target for the rtnetlink decoders (src/net/rtnl_codec.h): a datagram as the kernel
// would send it, split into messages, each decoded by the decoder for its type.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/rtnl_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floe::net::rtnl;
  auto messages = splitMessages(std::span<const uint8_t>(data, size));
  if (!messages) return 0;
  for (auto m : *messages) {
    switch (decodeHeader(m).type) {
      case RTM_NEWLINK:
      case RTM_DELLINK:
        (void)decodeLink(m);
        break;
      case RTM_NEWADDR:
      case RTM_DELADDR:
        if (auto a = decodeAddress(m)) (void)encodeNewAddress(*a, 0);  // must not assert
        break;
      case RTM_NEWROUTE:
      case RTM_DELROUTE:
        if (auto r = decodeRoute(m)) (void)encodeNewRoute(*r, 0);
        break;
      case NLMSG_ERROR:
      case NLMSG_DONE:
        (void)decodeAck(m);
        break;
      default:
        // Every decoder must refuse a message of another type cleanly.
        (void)decodeLink(m);
        (void)decodeAddress(m);
        (void)decodeRoute(m);
        (void)decodeAck(m);
        break;
    }
  }
  return 0;
}
