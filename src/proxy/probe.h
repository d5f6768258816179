// The seam between health monitors and the network: a Prober checks one target once.
// TcpProber and PingProber are the real ones; tests substitute a scripted fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/ip.h"
#include "proxy/engine.h"

namespace floe::proxy {

struct ProbeResult {
  bool ok = false;
  std::string detail;  // "connect ok", "connect refused", "timeout after 4s", "echo reply"
  // errno of a failure of this host (EMFILE, EADDRNOTAVAIL…, see local_errors.h): the check
  // says nothing about the server and must not count as a failed check. 0 otherwise.
  int local_error = 0;
  // The target answered, even if with a refusal (TCP RST): packets to the probe's source
  // address came back. The return-path check reads this, not `ok`.
  bool answered = false;
  // HTTP monitors: the server answered with a maintenance code or string; it is DISABLED.
  bool maintenance = false;
};

struct ProbeTarget {
  IpAddress ip;
  uint16_t port = 0;  // unused by ping
  // Source address (TCP only): the return-path check probes from a SNAT IP (issue 5 §11). A
  // source the host does not hold fails with local_error EADDRNOTAVAIL.
  std::optional<IpAddress> source;
  std::optional<HttpCheckSpec> http;  // HTTP probes: what to send and expect
};

using ProbeCallback = std::function<void(ProbeResult)>;

// An outstanding check. cancel() guarantees the callback is not called afterwards.
class ProbeOp {
 public:
  virtual ~ProbeOp() = default;
  virtual void cancel() = 0;
};

class Prober {
 public:
  virtual ~Prober() = default;
  // Starts a check; `done` runs later on the control loop (never from inside probe()), exactly
  // once unless the returned op is cancelled first.
  virtual std::shared_ptr<ProbeOp> probe(const ProbeTarget& target,
                                         std::chrono::milliseconds timeout, ProbeCallback done) = 0;
};

// "timeout after 4s", or "timeout after 250ms" below a second.
std::string describeTimeout(std::chrono::milliseconds timeout);

}  // namespace floe::proxy
