// BFD single-hop I/O, RFC 5881: the sans-IO Session (session.h) on UDP sockets, driven by an
// asio io_context (the SE's time-critical loop). Per local address one receive socket on UDP
// 3784 bound to that address and its interface; per session one send socket bound to the same
// address with a source port in 49152-65535 (§4). Packets go out with TTL / hop limit 255 and
// a received packet whose TTL / hop limit is not 255 is dropped (§5, GTSM).
//
// Threads: every public function may be called from any thread; the work is posted to the
// io_context given at construction and runs there. `onChange` runs on that io_context.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "bfd/session.h"
#include "common/clock.h"
#include "common/ip.h"
#include "common/result.h"

namespace floe::bfd {

inline constexpr uint16_t kControlPort = 3784;     // RFC 5881 §4
inline constexpr uint16_t kSourcePortMin = 49152;  // RFC 5881 §4
inline constexpr uint16_t kSourcePortMax = 65535;
inline constexpr int kSingleHopTtl = 255;  // RFC 5881 §5

// One single-hop session: to `peer`, from `local` on interface `device`.
struct PeerSpec {
  std::string device;
  IpAddress local;
  IpAddress peer;
  Profile profile;  // bfd_profile mintx/minrx (ms) and multi
  bool operator==(const PeerSpec&) const = default;
};

class UdpEndpoint {
 public:
  // (peer, change): a session's state changed (RFC 5880 §6.2).
  using OnChange = std::function<void(const IpAddress& peer, const StateChange& change)>;

  UdpEndpoint(asio::io_context& io, const Clock& clock, OnChange onChange);
  ~UdpEndpoint();  // call shutdown() first, from another thread than the io_context's
  UdpEndpoint(const UdpEndpoint&) = delete;
  UdpEndpoint& operator=(const UdpEndpoint&) = delete;

  // Makes the running sessions exactly `specs`: opens the sockets of new ones and starts them
  // (Down, slow start), applies a changed profile with a poll sequence (§6.8.3), and stops
  // removed ones with AdminDown (§6.8.16). Blocks until done on the io_context (1 s at most).
  // Errors, per session that could not start: "bfd <peer>: cannot bind <local> UDP <port>:
  // <reason>"; the other sessions run.
  std::vector<std::string> configure(const std::vector<PeerSpec>& specs);
  // AdminDown to every peer, then closes every socket. Blocks (1 s at most).
  void shutdown();

  // Snapshot (not from the io_context's thread; waits for it 200 ms at most): [{peer_ip, local_ip,
  // state, diag, remote_state?, my_discriminator,
  //   your_discriminator, tx_interval_ms, detect_time_ms, packets_in, packets_out,
  //   dropped_ttl, up_transitions}] for `floe-se status`.
  nlohmann::json status();
  // State of the session to `peer` (thread-safe); AdminDown when there is none.
  State state(const IpAddress& peer) const;

 private:
  struct Receiver;
  struct Peer;

  void configureHere(const std::vector<PeerSpec>& specs, std::vector<std::string>& errors);
  Status openReceiver(const PeerSpec& spec);
  void receive(Receiver& r);
  void handle(const uint8_t* data, size_t n, const IpAddress& from, int ttl);
  void apply(Peer& p, const Effects& fx);
  void arm(Peer& p);
  void stopPeer(Peer& p);
  void publish();
  uint32_t newDiscriminator();

  asio::io_context& io_;
  const Clock& clock_;
  OnChange onChange_;
  std::mt19937 random_;
  std::map<IpAddress, std::unique_ptr<Receiver>> receivers_;  // by local address
  std::map<IpAddress, std::unique_ptr<Peer>> peers_;          // by peer address

  mutable std::mutex statusMutex_;
  nlohmann::json status_ = nlohmann::json::array();
  std::map<IpAddress, State> states_;
};

}  // namespace floe::bfd
