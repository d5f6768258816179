#include "daemon/notify.h"

#include <systemd/sd-daemon.h>

namespace floe::daemon {

void notifyReady(const std::string& status) {
  const std::string msg = "READY=1\nSTATUS=" + status;
  sd_notify(0, msg.c_str());
}

void notifyReloading() { sd_notify(0, "RELOADING=1"); }

void notifyStopping() { sd_notify(0, "STOPPING=1"); }

}  // namespace floe::daemon
