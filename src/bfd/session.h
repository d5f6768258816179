// BFD asynchronous-mode session, RFC 5880 §6.2 (state machine), §6.5 (poll sequence),
// §6.8.1-§6.8.7 (state variables, timer negotiation, reception, transmission, jitter).
// Sans-IO: the caller feeds received packets and the current time, and carries out the
// returned Effects (send these packets, arm a timer for the earliest deadline, report state
// changes). Demand mode, echo and authentication are not implemented (packets with A set are
// discarded: floe configures no authentication).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "bfd/packet.h"
#include "common/clock.h"

namespace floe::bfd {

// Avi bfd_profile fields, in milliseconds as configured (mintx, minrx, multi).
struct Profile {
  uint32_t mintx = 1000;  // desired minimum TX interval, ms
  uint32_t minrx = 1000;  // required minimum RX interval, ms
  uint8_t multi = 3;      // detect multiplier
  bool operator==(const Profile&) const = default;
};

// Returns a uniform integer in [0, bound); injected so tests choose the jitter (§6.8.7).
using JitterSource = std::function<uint32_t(uint32_t bound)>;

struct StateChange {
  State from;
  State to;
  Diagnostic diag;
};

struct Effects {
  std::vector<ControlPacket> send;     // in order, to the peer (UDP 3784, TTL 255; RFC 5881)
  std::vector<StateChange> changes;    // in order
  std::optional<SteadyTime> txAt;      // next periodic transmission; none: do not transmit
  std::optional<SteadyTime> detectAt;  // detection deadline; none: not armed
};

// The reason a received packet was dropped by the session (RFC 5880 §6.8.6).
enum class Discard : uint8_t {
  kNone = 0,
  kWrongDiscriminator,     // Your Discriminator nonzero and not ours
  kAuthenticationPresent,  // A set, but no authentication is configured
  kAdminDown,              // our session is AdminDown
};

class Session {
 public:
  // `myDiscriminator` must be nonzero and unique on this system (§6.8.1).
  Session(uint32_t myDiscriminator, Profile profile, JitterSource jitter);

  // Starts transmitting in Down (slow start: at most one packet per second until Up, §6.8.3).
  Effects start(SteadyTime now);
  // RFC 5880 §6.8.6 reception of a decoded, packet-valid control packet.
  Effects onPacket(const ControlPacket& p, SteadyTime now);
  // Call when now reaches txAt or detectAt (either; extra calls are harmless).
  Effects onTimer(SteadyTime now);
  // §6.8.16: AdminDown with diag Administratively Down; adminUp returns to Down.
  Effects adminDown(SteadyTime now);
  Effects adminUp(SteadyTime now);
  // Changes the profile; while Up, starts a poll sequence and applies the slower values only
  // when the Final arrives (§6.8.3).
  Effects setProfile(const Profile& profile, SteadyTime now);

  State state() const { return state_; }
  Diagnostic localDiag() const { return diag_; }
  uint32_t myDiscriminator() const { return localDiscr_; }
  uint32_t remoteDiscriminator() const { return remoteDiscr_; }
  bool pollActive() const { return pollActive_; }
  Discard lastDiscard() const { return lastDiscard_; }
  // Negotiated intervals (§6.8.2, §6.8.4), microseconds; 0 when nothing is negotiated yet.
  uint32_t txIntervalUs() const;
  uint64_t detectionTimeUs() const;

 private:
  ControlPacket makePacket(bool final) const;
  uint32_t desiredMinTxUs() const;  // bfd.DesiredMinTxInterval in force on the wire
  void setState(State to, Diagnostic diag, Effects& fx);
  void scheduleTx(SteadyTime now);
  void sendNow(SteadyTime now, Effects& fx);
  Effects finish(Effects fx) const;

  uint32_t localDiscr_;
  Profile profile_;
  JitterSource jitter_;
  State state_ = State::kDown;
  Diagnostic diag_ = Diagnostic::kNoDiagnostic;
  uint32_t remoteDiscr_ = 0;
  State remoteState_ = State::kDown;
  uint32_t remoteMinRxUs_ = 1;  // §6.8.1: initialised to 1
  uint32_t remoteDesiredTxUs_ = 0;
  uint8_t remoteDetectMult_ = 0;
  // Values in force while a poll sequence is pending (§6.8.3): the old, safer ones.
  uint32_t txInForceUs_ = 0;
  uint32_t rxInForceUs_ = 0;
  bool pollActive_ = false;
  bool started_ = false;
  Discard lastDiscard_ = Discard::kNone;
  std::optional<SteadyTime> txAt_;
  std::optional<SteadyTime> detectAt_;
};

}  // namespace floe::bfd
