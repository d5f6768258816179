#include "proxy/balancer.h"

#include <algorithm>

namespace floe::proxy {

namespace {
uint64_t weightOf(const ServerView& s) { return s.ratio == 0 ? 1 : s.ratio; }

uint64_t mixHash(uint64_t x) {
  // splitmix64's finaliser: spreads nearby inputs (consecutive addresses) over the ring.
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

std::optional<size_t> Balancer::pick(std::span<const ServerView> servers, uint64_t key) {
  switch (algorithm_) {
    case Algorithm::kRoundRobin:
      return pickRoundRobin(servers);
    case Algorithm::kLeastConnections:
      return pickLeastConnections(servers);
    case Algorithm::kConsistentHash:
      return pickConsistentHash(servers, key);
    case Algorithm::kFastestResponse:
      return pickFastestResponse(servers);
  }
  return std::nullopt;
}

void Balancer::buildRing(std::span<const ServerView> servers) {
  std::vector<uint64_t> ids;
  for (const ServerView& s : servers) {
    ids.push_back(s.id);
    ids.push_back(weightOf(s));
  }
  if (ids == ring_ids_ && !ring_.empty()) return;
  ring_ids_ = std::move(ids);
  ring_.clear();
  for (size_t i = 0; i < servers.size(); ++i) {
    const uint64_t points = weightOf(servers[i]) * kRingPointsPerRatio;
    for (uint64_t p = 0; p < points; ++p) {
      ring_.emplace_back(mixHash(servers[i].id ^ mixHash(p)), static_cast<uint32_t>(i));
    }
  }
  std::sort(ring_.begin(), ring_.end());
}

std::optional<size_t> Balancer::pickConsistentHash(std::span<const ServerView> servers,
                                                   uint64_t key) {
  if (servers.empty()) return std::nullopt;
  buildRing(servers);
  const uint64_t point = mixHash(key);
  auto it =
      std::lower_bound(ring_.begin(), ring_.end(), std::make_pair(point, static_cast<uint32_t>(0)));
  for (size_t n = 0; n < ring_.size(); ++n, ++it) {
    if (it == ring_.end()) it = ring_.begin();
    const ServerView& s = servers[it->second];
    if (s.eligible && !s.tried) return it->second;
  }
  return std::nullopt;
}

std::optional<size_t> Balancer::pickLowestPerWeight(std::span<const ServerView> servers,
                                                    uint64_t ServerView::*load) {
  const size_t n = servers.size();
  if (n == 0) return std::nullopt;
  if (next_ >= n) next_ = 0;
  std::optional<size_t> best;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (next_ + k) % n;
    const ServerView& s = servers[i];
    if (!s.eligible || s.tried) continue;
    if (!best) {
      best = i;
      continue;
    }
    // load_i / ratio_i < load_b / ratio_b without division: ratios are at most 20, active
    // counts far below 2^58 and response times below 2^40 us, so the products do not overflow.
    const ServerView& b = servers[*best];
    if (s.*load * weightOf(b) < b.*load * weightOf(s)) best = i;
  }
  if (best) next_ = (*best + 1) % n;
  return best;
}

std::optional<size_t> Balancer::pickFastestResponse(std::span<const ServerView> servers) {
  return pickLowestPerWeight(servers, &ServerView::response_us);
}

std::optional<size_t> Balancer::pickRoundRobin(std::span<const ServerView> servers) {
  if (current_.size() != servers.size()) current_.assign(servers.size(), 0);
  int64_t total = 0;
  std::optional<size_t> best;
  for (size_t i = 0; i < servers.size(); ++i) {
    if (!servers[i].eligible) {
      // A server coming back starts level with the others instead of with a stored burst.
      current_[i] = 0;
      continue;
    }
    if (servers[i].tried) continue;  // sits this pick out, weight untouched (nginx does so too)
    const auto w = static_cast<int64_t>(weightOf(servers[i]));
    current_[i] += w;
    total += w;
    if (!best || current_[i] > current_[*best]) best = i;
  }
  if (best) current_[*best] -= total;
  return best;
}

std::optional<size_t> Balancer::pickLeastConnections(std::span<const ServerView> servers) {
  return pickLowestPerWeight(servers, &ServerView::active);
}

}  // namespace floe::proxy
