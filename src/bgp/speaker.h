// BGP-4 over TCP (RFC 4271 §8 with the sans-IO Fsm of fsm.h): per peer an active connection to
// port 179 from the SE's address on the peer's subnet, and a listener on that address for the
// peer's own connection (passive); both run until RFC 4271 §6.8 collision detection keeps one.
// TCP_MD5SIG (RFC 2385) for md5_secret; IP TTL 1 to an external peer unless ebgp_multihop
// raises it (RFC 4271 has no rule; this is what routers do), the system default to internal
// peers. Sockets are non-blocking; the FSM's timers are asio timers on the same io_context.
//
// Threads: every public function may be called from any thread other than the io_context's;
// the work is posted there. floe-se runs the Speaker on a thread of its own (see runtime.h).
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/rate_limit.h"
#include "bgp/adj_rib_out.h"
#include "bgp/fsm.h"
#include "common/clock.h"
#include "common/ip.h"
#include "common/result.h"

namespace floe::bgp {

inline constexpr uint16_t kBgpPort = 179;
// RFC 9384: Cease subcode "BFD Down", sent when BFD takes a session down.
inline constexpr uint8_t kCeaseBfdDown = 10;

// One configured peer (vrfcontext bgp_profile peers[] entry, resolved for this SE).
struct PeerSettings {
  IpAddress peer;                   // peer_ip
  IpAddress local;                  // the SE's own address on the peer's subnet (source, next hop)
  std::string device;               // the SE's interface on that subnet
  uint32_t localAs = 0;             // bgp_profile local_as
  uint32_t remoteAs = 0;            // remote_as (local_as for iBGP)
  uint32_t bgpIdentifier = 0;       // host order; nonzero
  uint16_t holdTime = 180;          // s, bgp_profile hold_time
  uint16_t keepaliveInterval = 60;  // s, bgp_profile keepalive_interval
  uint16_t connectRetryTime = 5;    // s; short, so a router that comes up later is met soon
  std::string md5Secret;            // empty: no TCP MD5
  uint8_t ebgpMultihop = 0;         // 0: single hop (TTL 1 to an external peer)
  uint16_t port = kBgpPort;         // the peer's TCP port, and the one floe listens on
  bool operator==(const PeerSettings&) const = default;
};

class Speaker {
 public:
  Speaker(asio::io_context& io, const Clock& clock);
  ~Speaker();  // call shutdown() first
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  // Makes the configured peers exactly `peers`: starts new ones, stops removed or changed
  // ones (Cease/Peer De-configured, RFC 4486). Blocks until done on the io_context (1 s at
  // most). Errors, per peer whose listener cannot bind: "bgp <peer>: cannot listen on
  // <local>:179: <reason>" (its active connection still runs).
  std::vector<std::string> configure(const std::vector<PeerSettings>& peers);
  // What the peer is to hold (RFC 4271 §9.2 Adj-RIB-Out): sent when Established, as the
  // difference to what it holds; withdrawn prefixes first. Non-blocking.
  void setRoutes(const IpAddress& peer, std::set<Prefix> prefixes, AdvertisePolicy policy);
  // BFD declared the path down: the session goes down at once (Cease/BFD Down, RFC 9384) and
  // restarts after the idle hold time. Non-blocking.
  void bfdDown(const IpAddress& peer, std::string why);
  // Cease/Administrative Shutdown to every peer, flushed, sockets closed. Blocks (1 s at most).
  void shutdown();

  // Snapshot for `floe-se status` (`bgp_peers`); waits for the loop 200 ms at most:
  // [{peer_ip, local_ip, remote_as, state, uptime_s, last_error, messages_in, messages_out,
  //   routes_advertised, routes_received, hold_time, keepalive, four_octet_as,
  //   advertised: [prefix...], received: [prefix...] (the first 100 each), rfc7606: [...]}]
  nlohmann::json status();

 private:
  struct Conn;
  struct Peer;
  struct Listener;

  void configureHere(const std::vector<PeerSettings>& peers, std::vector<std::string>& errors);
  Status listen(const PeerSettings& settings);
  void accept(Listener& l);
  void incoming(asio::ip::tcp::socket socket, const IpAddress& local, const IpAddress& from);
  std::shared_ptr<Conn> newConn(Peer& p, bool passive);
  void apply(Peer& p, const std::shared_ptr<Conn>& c, Effects fx);
  void connect(Peer& p, const std::shared_ptr<Conn>& c);
  void read(Peer& p, const std::shared_ptr<Conn>& c);
  void write(const std::shared_ptr<Conn>& c, const std::vector<uint8_t>& bytes);
  void flush(const std::shared_ptr<Conn>& c);
  void close(const std::shared_ptr<Conn>& c);
  void arm(Peer& p, const std::shared_ptr<Conn>& c, std::optional<SteadyTime> at);
  void resolveCollision(Peer& p);
  void syncRoutes(Peer& p);
  Status prepareSocket(int fd, const PeerSettings& s);
  Peer* find(const IpAddress& peer);
  nlohmann::json snapshot() const;

  asio::io_context& io_;
  const Clock& clock_;
  std::map<IpAddress, std::unique_ptr<Peer>> peers_;
  std::map<IpAddress, std::unique_ptr<Listener>> listeners_;  // by local address
  mutable std::mutex statusMutex_;
  nlohmann::json status_ = nlohmann::json::array();
  // A peer that cannot be reached cycles Idle/Connect/Active every few seconds: at most 6
  // state lines per peer per minute, then a count of the suppressed ones.
  LogRateLimiter stateLog_{6, std::chrono::minutes(1)};
};

}  // namespace floe::bgp
