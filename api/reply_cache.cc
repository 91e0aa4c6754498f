#include "api/reply_cache.h"

namespace ketnoi::api {

std::shared_ptr<const std::string> ReplyCache::Get(std::string_view key, uint64_t seq) {
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end() || it->second.seq != seq) return nullptr;
  shard.recency.splice(shard.recency.begin(), shard.recency, it->second.place);
  return it->second.body;
}

void ReplyCache::Put(std::string_view key, uint64_t seq, std::string body) {
  const size_t size = body.size() + key.size();
  if (size > shard_budget_) return;
  auto shared = std::make_shared<const std::string>(std::move(body));
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(key);
  if (it != shard.entries.end()) {
    shard.bytes -= it->second.body->size() + it->first.size();
    it->second.seq = seq;
    it->second.body = std::move(shared);
    shard.recency.splice(shard.recency.begin(), shard.recency, it->second.place);
  } else {
    it = shard.entries.emplace(std::string(key), Entry{seq, std::move(shared), {}}).first;
    shard.recency.push_front(&it->first);
    it->second.place = shard.recency.begin();
  }
  shard.bytes += size;
  // Least recently used out first; the entry just put is at the front and
  // fits the budget on its own, so it stays.
  while (shard.bytes > shard_budget_) {
    auto victim = shard.entries.find(*shard.recency.back());
    shard.bytes -= victim->second.body->size() + victim->first.size();
    shard.recency.pop_back();
    shard.entries.erase(victim);
  }
}

size_t ReplyCache::Entries() {
  size_t n = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.entries.size();
  }
  return n;
}

size_t ReplyCache::Bytes() {
  size_t n = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.bytes;
  }
  return n;
}

}  // namespace ketnoi::api
