#include "proxy/worker_service.h"

#include <algorithm>

namespace floe::proxy {

WorkerPool::WorkerPool(std::shared_ptr<const PoolSnapshot> snapshot)
    : snapshot_(std::move(snapshot)), balancer_(snapshot_->algorithm) {
  views_.resize(snapshot_->servers.size());
  for (size_t i = 0; i < views_.size(); ++i) {
    // The server's identity on the consistent-hash ring: its address and port, so that a
    // server keeps its points when others are added or removed.
    const ServerEntry& s = snapshot_->servers[i];
    views_[i].id = clientKey(s.address) ^ (static_cast<uint64_t>(s.spec.port) << 48);
  }
}

uint64_t clientKey(const sockaddr_storage& peer) {
  // FNV-1a over the address bytes; Balancer mixes it further.
  uint64_t h = 1469598103934665603ULL;
  auto feed = [&](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      h ^= static_cast<const uint8_t*>(p)[i];
      h *= 1099511628211ULL;
    }
  };
  if (peer.ss_family == AF_INET6) {
    feed(&reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_addr, 16);
  } else {
    feed(&reinterpret_cast<const sockaddr_in*>(&peer)->sin_addr, 4);
  }
  return h;
}

std::optional<uint32_t> WorkerPool::pick(std::span<const uint32_t> tried, uint64_t key) {
  const auto& servers = snapshot_->servers;
  const bool leastConnections = balancer_.algorithm() == Algorithm::kLeastConnections;
  const bool fastest = balancer_.algorithm() == Algorithm::kFastestResponse;
  for (size_t i = 0; i < servers.size(); ++i) {
    const ServerEntry& s = servers[i];
    ServerView& v = views_[i];
    v.ratio = s.spec.ratio;
    v.eligible = s.spec.enabled && s.runtime->isUp();
    v.tried = std::find(tried.begin(), tried.end(), static_cast<uint32_t>(i)) != tried.end();
    v.active = leastConnections ? s.runtime->active.load(std::memory_order_relaxed) : 0;
    v.response_us = fastest ? s.runtime->response_us.load(std::memory_order_relaxed) : 0;
  }
  const auto picked = balancer_.pick(views_, key);
  if (!picked) return std::nullopt;
  return static_cast<uint32_t>(*picked);
}

size_t WorkerService::snatCount(int af) const {
  return static_cast<size_t>(std::count_if(snapshot_->snat_ips.begin(), snapshot_->snat_ips.end(),
                                           [af](const IpAddress& ip) { return ip.af() == af; }));
}

const IpAddress* WorkerService::nextSnat(int af) {
  const auto& ips = snapshot_->snat_ips;
  for (size_t k = 0; k < ips.size(); ++k) {
    const IpAddress& ip = ips[(snat_next_ + k) % ips.size()];
    if (ip.af() == af) {
      snat_next_ = (snat_next_ + k + 1) % ips.size();
      return &ip;
    }
  }
  return nullptr;
}

}  // namespace floe::proxy
