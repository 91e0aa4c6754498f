#include "api/reply_cache.h"

namespace ketnoi::api {

std::shared_ptr<const std::string> ReplyCache::Get(std::string_view key, uint64_t seq) {
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end() || it->second.seq != seq) return nullptr;
  return it->second.body;
}

void ReplyCache::Put(std::string_view key, uint64_t seq, std::string body) {
  size_t size = body.size() + key.size();
  if (size > shard_budget_) return;
  auto shared = std::make_shared<const std::string>(std::move(body));
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(key);
  if (it != shard.entries.end()) {
    shard.bytes -= it->second.body->size() + it->first.size();
    it->second = Entry{seq, std::move(shared)};
  } else {
    shard.entries.emplace(std::string(key), Entry{seq, std::move(shared)});
  }
  shard.bytes += size;
  if (shard.bytes <= shard_budget_) return;
  // Over budget: stale entries (older sequence) first, then any.
  for (int pass = 0; pass < 2 && shard.bytes > shard_budget_; ++pass) {
    for (auto e = shard.entries.begin(); e != shard.entries.end() && shard.bytes > shard_budget_;) {
      if ((pass == 0 && e->second.seq >= seq) || e->first == key) {
        ++e;
        continue;
      }
      shard.bytes -= e->second.body->size() + e->first.size();
      e = shard.entries.erase(e);
    }
  }
}

}  // namespace ketnoi::api
