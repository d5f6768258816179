// IPv4 forwarding for IP routing through the SE (reference default-gateway-ip-routing.md;
// DESIGN.md "HA, addresses and ARP": a takeover enables forwarding). The active SE of a group
// with enable_routing forwards between its data interfaces; the standby, and an SE whose group
// has enable_routing off, do not.
//
// floe switches forwarding per data interface (/proc/sys/net/ipv4/conf/<dev>/forwarding): the
// kernel decides to forward an IPv4 packet by the forwarding flag of the interface it came in
// on, so this routes between the data networks and never through a management interface, and
// leaves net.ipv4.ip_forward (which rewrites every interface's flag) alone.
//
// floe owns only what it changed: before it writes a value it records the path, the value it
// found and the value it writes in a state file under its run directory. It puts each value
// back when it no longer wants it (standby, reload without enable_routing, exit), and at the
// next start after a crash or SIGKILL; in both cases only if the value still reads as floe wrote
// it (someone who changed it since owns it now). A flag that was already on is never recorded,
// so floe never turns it off.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace floe::se {

// The seam over /proc/sys. Paths are relative to /proc/sys ("net/ipv4/conf/eth1/forwarding");
// values are the file's first line without the newline.
class SysctlAccess {
 public:
  virtual ~SysctlAccess() = default;
  // Errors: "/proc/sys/PATH: reason", code = errno (ENOENT: no such interface).
  virtual Result<std::string> read(const std::string& path) = 0;
  virtual Status write(const std::string& path, const std::string& value) = 0;
};

class KernelSysctl final : public SysctlAccess {
 public:
  Result<std::string> read(const std::string& path) override;
  Status write(const std::string& path, const std::string& value) override;
};

// /proc/sys path of the IPv4 forwarding flag of `device`.
std::string forwardingPath(const std::string& device);

// One value floe changed: what the kernel held before, and what floe wrote.
struct ForwardingChange {
  std::string path;  // under /proc/sys, always net/ipv4/conf/<dev>/forwarding
  std::string before;
  std::string set;
};

// Decodes the state file's text (JSON {"sysctls": [{"path", "before", "set"}, ...]}). Errors
// read "FILE: reason"; a path that is not a forwarding flag is refused (floe never writes any
// other), so a tampered file cannot make floe write elsewhere under /proc/sys.
Result<std::vector<ForwardingChange>> parseForwardingState(const std::string& text,
                                                           const std::string& file);

class ForwardingOwner {
 public:
  // `stateFile`: RUN_DIR/NAME.forwarding (JSON); its directory must exist.
  ForwardingOwner(SysctlAccess& sysctl, std::filesystem::path stateFile);

  // At start, before anything else: puts back every value an earlier run recorded and did not
  // restore (it was killed), where it still reads as that run wrote it, then removes the file.
  // Returns one line per value restored or left alone, for the log. Fails, touching nothing, on
  // a state file it cannot read or parse ("FILE: reason"): it holds the host's original values.
  Result<std::vector<std::string>> restoreLeftovers();

  // Level-triggered: forwarding on exactly `devices` (empty: on none of floe's). Turns the flag
  // on where it is off (recording it first), puts back what floe turned on on a device no
  // longer listed, and turns a flag it owns on again if someone turned it off. A missing device
  // is skipped (tried again on the next call). Returns one error per path it could not handle.
  std::vector<Error> converge(const std::vector<std::string>& devices);

  // Puts back every value floe changed (exit, failed start) and removes the state file.
  std::vector<Error> restoreAll() { return converge({}); }

  // The devices floe forwards on now, sorted (for status).
  std::vector<std::string> owned() const;

 private:
  struct Change {
    std::string before;  // what the kernel held before floe wrote `set`
    std::string set;
  };
  Status save() const;

  SysctlAccess& sysctl_;
  std::filesystem::path stateFile_;
  std::map<std::string, Change> changes_;  // by /proc/sys path
};

}  // namespace floe::se
