#include "proxy/balancer.h"

namespace floe::proxy {

namespace {
uint64_t weightOf(const ServerView& s) { return s.ratio == 0 ? 1 : s.ratio; }
}  // namespace

std::optional<size_t> Balancer::pick(std::span<const ServerView> servers) {
  switch (algorithm_) {
    case Algorithm::kRoundRobin:
      return pickRoundRobin(servers);
    case Algorithm::kLeastConnections:
      return pickLeastConnections(servers);
  }
  return std::nullopt;
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
    // active_i / ratio_i < active_b / ratio_b without division; ratios are small (1-20),
    // active counts far below 2^58, so the products do not overflow.
    const ServerView& b = servers[*best];
    if (s.active * weightOf(b) < b.active * weightOf(s)) best = i;
  }
  if (best) next_ = (*best + 1) % n;
  return best;
}

}  // namespace floe::proxy
