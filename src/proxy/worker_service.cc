#include "proxy/worker_service.h"

#include <algorithm>

namespace floe::proxy {

WorkerPool::WorkerPool(std::shared_ptr<const PoolSnapshot> snapshot)
    : snapshot_(std::move(snapshot)), balancer_(snapshot_->algorithm) {
  views_.resize(snapshot_->servers.size());
}

std::optional<uint32_t> WorkerPool::pick(std::span<const uint32_t> tried) {
  const auto& servers = snapshot_->servers;
  const bool leastConnections = balancer_.algorithm() == Algorithm::kLeastConnections;
  for (size_t i = 0; i < servers.size(); ++i) {
    const ServerEntry& s = servers[i];
    ServerView& v = views_[i];
    v.ratio = s.spec.ratio;
    v.eligible = s.spec.enabled && s.runtime->isUp();
    v.tried = std::find(tried.begin(), tried.end(), static_cast<uint32_t>(i)) != tried.end();
    v.active = leastConnections ? s.runtime->active.load(std::memory_order_relaxed) : 0;
  }
  const auto picked = balancer_.pick(views_);
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
