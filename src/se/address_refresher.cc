#include "se/address_refresher.h"

#include <algorithm>

#include <asio/post.hpp>

#include "common/log.h"

namespace floe::se {

AddressRefresher::AddressRefresher(asio::io_context& io, std::unique_ptr<net::Netlink> netlink,
                                   std::chrono::milliseconds interval)
    : io_(io), netlink_(std::move(netlink)), interval_(interval), timer_(io) {}

void AddressRefresher::keep(std::vector<net::Address> addresses) {
  std::lock_guard lock(mutex_);
  addresses_ = std::move(addresses);
}

void AddressRefresher::start() {
  asio::post(io_, [this] {
    pass();
    arm();
  });
}

void AddressRefresher::stop() {
  stopped_ = true;
  asio::post(io_, [this] { timer_.cancel(); });
}

void AddressRefresher::arm() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this](std::error_code ec) {
    if (ec || stopped_) return;
    pass();
    arm();
  });
}

void AddressRefresher::pass() {
  std::lock_guard lock(mutex_);
  ++passes_;
  lastPassUnixMs_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  if (addresses_.empty()) return;
  auto seen = netlink_->addresses();
  if (!seen) {
    ++errors_;
    spdlog::warn("address refresh: {}", seen.error().message);
    return;
  }
  for (const auto& a : addresses_) {
    const bool ours = std::any_of(seen->begin(), seen->end(), [&](const net::ObservedAddress& o) {
      return o.owned && o.address.device == a.device &&
             o.address.prefix.address() == a.prefix.address();
    });
    if (!ours) {
      ++notHeld_;
      continue;
    }
    if (auto st = netlink_->refreshAddress(a); !st) {
      ++errors_;
      spdlog::warn("address refresh: {}", st.error().message);
      continue;
    }
    ++refreshed_;
  }
}

void AddressRefresher::releaseAll() {
  std::lock_guard lock(mutex_);
  if (addresses_.empty()) return;
  for (const auto& a : addresses_) {
    // removeAddress checks the tag itself: never removes an address that is not floe's.
    if (auto st = netlink_->removeAddress(a); !st) {
      ++errors_;
      spdlog::warn("release address {}: {}", net::toString(a), st.error().message);
    }
  }
  addresses_.clear();
}

AddressRefresher::Stats AddressRefresher::stats() const {
  return Stats{passes_.load(), refreshed_.load(), notHeld_.load(), errors_.load(),
               lastPassUnixMs_.load()};
}

}  // namespace floe::se
