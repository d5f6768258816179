#include "proxy/counter.h"

namespace floe::proxy {

namespace {
thread_local size_t t_shard = ShardedCounter::kShards - 1;
}  // namespace

void ShardedCounter::bindThisThread(size_t worker_index) noexcept {
  t_shard = worker_index % kShards;
}

size_t ShardedCounter::shard() noexcept { return t_shard; }

}  // namespace floe::proxy
