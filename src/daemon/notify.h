// Service manager notifications (sd_notify(3), libsystemd) for floe-se and floe-controller
// under systemd Type=notify units. Without $NOTIFY_SOCKET (not started by systemd) every call
// does nothing.
#pragma once

#include <string>

namespace floe::daemon {

// "READY=1" plus a STATUS= line: the service has applied its configuration and serves.
void notifyReady(const std::string& status);
// "RELOADING=1": a reload (SIGHUP) has started; call notifyReady() when it is done.
void notifyReloading();
// "STOPPING=1": the service is withdrawing and will exit.
void notifyStopping();

}  // namespace floe::daemon
