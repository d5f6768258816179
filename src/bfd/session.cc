#include "bfd/session.h"

#include <algorithm>
#include <array>
#include <cassert>

namespace floe::bfd {
namespace {

using std::chrono::microseconds;

constexpr uint32_t kSlowTxUs = 1'000'000;  // §6.8.3: not less than one second unless Up

// RFC 5880 §6.2 state machine as data: one row per (local state, received state). AdminDown
// local discards before the table (§6.8.6), so the table covers Down, Init and Up.
struct Transition {
  State local;
  State received;
  State next;
  Diagnostic diag;       // set when the state changes
  std::string_view why;  // the RFC's arc label
};

constexpr std::array<Transition, 12> kTransitions = {{
    {State::kDown, State::kAdminDown, State::kDown, Diagnostic::kNoDiagnostic, "ADMIN DOWN"},
    {State::kDown, State::kDown, State::kInit, Diagnostic::kNoDiagnostic, "DOWN"},
    {State::kDown, State::kInit, State::kUp, Diagnostic::kNoDiagnostic, "INIT"},
    {State::kDown, State::kUp, State::kDown, Diagnostic::kNoDiagnostic, "UP (ignored)"},
    {State::kInit, State::kAdminDown, State::kDown, Diagnostic::kNeighborSignaledSessionDown,
     "ADMIN DOWN"},
    {State::kInit, State::kDown, State::kInit, Diagnostic::kNoDiagnostic, "DOWN"},
    {State::kInit, State::kInit, State::kUp, Diagnostic::kNoDiagnostic, "INIT"},
    {State::kInit, State::kUp, State::kUp, Diagnostic::kNoDiagnostic, "UP"},
    {State::kUp, State::kAdminDown, State::kDown, Diagnostic::kNeighborSignaledSessionDown,
     "ADMIN DOWN"},
    {State::kUp, State::kDown, State::kDown, Diagnostic::kNeighborSignaledSessionDown, "DOWN"},
    {State::kUp, State::kInit, State::kUp, Diagnostic::kNoDiagnostic, "INIT"},
    {State::kUp, State::kUp, State::kUp, Diagnostic::kNoDiagnostic, "UP"},
}};

const Transition& findTransition(State local, State received) {
  for (const auto& t : kTransitions) {
    if (t.local == local && t.received == received) return t;
  }
  assert(false && "BFD transition table misses a (local, received) pair");
  std::abort();
}

}  // namespace

Session::Session(uint32_t myDiscriminator, Profile profile, JitterSource jitter)
    : localDiscr_(myDiscriminator), profile_(profile), jitter_(std::move(jitter)) {
  assert(localDiscr_ != 0);
  txInForceUs_ = desiredMinTxUs();
  rxInForceUs_ = profile_.minrx * 1000;
}

uint32_t Session::desiredMinTxUs() const {
  const uint32_t configured = profile_.mintx * 1000;
  return state_ == State::kUp ? configured : std::max(configured, kSlowTxUs);
}

uint32_t Session::txIntervalUs() const {
  // §6.8.2/§6.8.7: the larger of our desired TX and the remote's required RX; zero RX from
  // the remote means "send nothing periodically".
  if (remoteMinRxUs_ == 0) return 0;
  return std::max(txInForceUs_, remoteMinRxUs_);
}

uint64_t Session::detectionTimeUs() const {
  // §6.8.4 asynchronous mode: remote Detect Mult × max(our required RX, remote desired TX).
  if (remoteDetectMult_ == 0) return 0;
  return uint64_t{remoteDetectMult_} * std::max(rxInForceUs_, remoteDesiredTxUs_);
}

ControlPacket Session::makePacket(bool final) const {
  ControlPacket p;
  p.diag = diag_;
  p.state = state_;
  p.final = final;
  p.poll = pollActive_ && !final;  // §6.5: P and F are never both set
  p.detectMult = profile_.multi;
  p.myDiscriminator = localDiscr_;
  p.yourDiscriminator = remoteDiscr_;
  p.desiredMinTxIntervalUs = desiredMinTxUs();
  p.requiredMinRxIntervalUs = profile_.minrx * 1000;
  p.requiredMinEchoRxIntervalUs = 0;  // no echo
  return p;
}

void Session::scheduleTx(SteadyTime now) {
  const uint32_t interval = txIntervalUs();
  if (interval == 0) {
    txAt_.reset();
    return;
  }
  // §6.8.7 jitter: reduce by 0-25%, or 10-25% when Detect Mult is 1.
  const uint32_t pct = profile_.multi == 1 ? 10 + jitter_(16) : jitter_(26);
  const uint64_t delay = uint64_t{interval} * (100 - std::min<uint32_t>(pct, 25)) / 100;
  txAt_ = now + microseconds(delay);
}

void Session::sendNow(SteadyTime now, Effects& fx) {
  fx.send.push_back(makePacket(false));
  scheduleTx(now);
}

void Session::setState(State to, Diagnostic diag, Effects& fx) {
  if (to == state_) return;
  const State from = state_;
  const uint32_t txBefore = desiredMinTxUs();
  state_ = to;
  if (to == State::kUp) {
    diag_ = Diagnostic::kNoDiagnostic;
  } else if (diag != Diagnostic::kNoDiagnostic) {
    diag_ = diag;
  }
  fx.changes.push_back({from, to, diag_});
  if (to != State::kUp) pollActive_ = false;  // a poll only renegotiates an Up session
  const uint32_t txAfter = desiredMinTxUs();
  if (txAfter != txBefore) {
    if (to == State::kUp) {
      // Leaving slow start lowers DesiredMinTx: announce it with a poll sequence (§6.8.3);
      // a decrease may take effect at once.
      pollActive_ = true;
    }
    txInForceUs_ = txAfter;
  }
}

Effects Session::finish(Effects fx) const {
  fx.txAt = txAt_;
  fx.detectAt = detectAt_;
  return fx;
}

Effects Session::start(SteadyTime now) {
  Effects fx;
  if (!started_) {
    started_ = true;
    sendNow(now, fx);
  }
  return finish(std::move(fx));
}

Effects Session::onPacket(const ControlPacket& p, SteadyTime now) {
  Effects fx;
  lastDiscard_ = Discard::kNone;
  if (p.yourDiscriminator != 0 && p.yourDiscriminator != localDiscr_) {
    lastDiscard_ = Discard::kWrongDiscriminator;
    return finish(std::move(fx));
  }
  if (p.authPresent) {
    lastDiscard_ = Discard::kAuthenticationPresent;
    return finish(std::move(fx));
  }
  remoteDiscr_ = p.myDiscriminator;
  remoteState_ = p.state;
  remoteMinRxUs_ = p.requiredMinRxIntervalUs;
  remoteDesiredTxUs_ = p.desiredMinTxIntervalUs;
  remoteDetectMult_ = p.detectMult;
  if (p.final && pollActive_) {
    // §6.5: the Final ends the poll; the new values now apply in both directions.
    pollActive_ = false;
    txInForceUs_ = desiredMinTxUs();
    rxInForceUs_ = profile_.minrx * 1000;
  }
  if (state_ == State::kAdminDown) {
    lastDiscard_ = Discard::kAdminDown;
    return finish(std::move(fx));
  }
  const Transition& t = findTransition(state_, p.state);
  setState(t.next, t.diag, fx);
  // Every valid packet restarts the detection timer (§6.8.4).
  const uint64_t detect = detectionTimeUs();
  if (detect != 0) detectAt_ = now + microseconds(detect);
  if (p.poll) {
    // §6.8.7: answer a Poll with a Final at once, outside the periodic schedule.
    fx.send.push_back(makePacket(true));
  }
  if (!fx.changes.empty()) {
    // Tell the peer of a new state (and start a poll sequence) without waiting out a
    // slow-start interval; this is what lets the three-way handshake finish in one round trip.
    sendNow(now, fx);
  } else {
    const uint32_t interval = txIntervalUs();
    if (interval == 0) {
      txAt_.reset();
    } else if (!txAt_ || *txAt_ > now + microseconds(interval)) {
      scheduleTx(now);  // the remote asked for a faster rate than the one scheduled
    }
  }
  return finish(std::move(fx));
}

Effects Session::onTimer(SteadyTime now) {
  Effects fx;
  if (detectAt_ && now >= *detectAt_) {
    detectAt_.reset();
    remoteDiscr_ = 0;  // §6.8.1: zeroed when a Detection Time passes without a packet
    if (state_ == State::kInit || state_ == State::kUp) {
      setState(State::kDown, Diagnostic::kControlDetectionTimeExpired, fx);
      pollActive_ = false;
      txInForceUs_ = desiredMinTxUs();
      rxInForceUs_ = profile_.minrx * 1000;
    }
  }
  if (txAt_ && now >= *txAt_) sendNow(now, fx);
  return finish(std::move(fx));
}

Effects Session::adminDown(SteadyTime now) {
  Effects fx;
  setState(State::kAdminDown, Diagnostic::kAdministrativelyDown, fx);
  detectAt_.reset();
  pollActive_ = false;
  txInForceUs_ = desiredMinTxUs();
  sendNow(now, fx);  // tell the remote at once, so it does not wait out its detection time
  return finish(std::move(fx));
}

Effects Session::adminUp(SteadyTime now) {
  Effects fx;
  if (state_ == State::kAdminDown) {
    diag_ = Diagnostic::kNoDiagnostic;
    setState(State::kDown, Diagnostic::kNoDiagnostic, fx);
    sendNow(now, fx);
  }
  return finish(std::move(fx));
}

Effects Session::setProfile(const Profile& profile, SteadyTime now) {
  Effects fx;
  const uint32_t oldTx = desiredMinTxUs();
  const uint32_t oldRx = profile_.minrx * 1000;
  profile_ = profile;
  const uint32_t newTx = desiredMinTxUs();
  const uint32_t newRx = profile_.minrx * 1000;
  if (state_ == State::kUp && (newTx != oldTx || newRx != oldRx)) {
    // §6.8.3: an increased TX interval and a reduced RX interval wait for the Final.
    pollActive_ = true;
    txInForceUs_ = std::min(txInForceUs_, newTx);
    rxInForceUs_ = std::max(rxInForceUs_, newRx);
    sendNow(now, fx);
  } else {
    txInForceUs_ = newTx;
    rxInForceUs_ = newRx;
  }
  return finish(std::move(fx));
}

}  // namespace floe::bfd
