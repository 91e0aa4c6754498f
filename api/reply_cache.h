// ReplyCache: encoded reply bodies of read routes, valid while the store has
// not changed. Each entry carries the store sequence number
// (Store::LatestSequence) read *before* the data behind it was read; a
// lookup hands the entry back only when the store's sequence is still that
// number, i.e. no write of any kind committed since, so the cached body is
// exactly what the handler would compute now. Any write makes every entry
// stale; entries are recomputed lazily by the next read.
//
// Used for the materialised match lists (GET /v1/needs/{id}/matches without
// filters): a hit costs an atomic load, a hash lookup and a copy of the body
// instead of a RocksDB read, a list decode and a JSON encode.
//
// Thread safety: Get/Put from any thread; kShards shards, each with its own
// mutex. Memory: at most about max_bytes of bodies and keys; a shard over its
// share drops its least recently used entries (O(1) each).
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ketnoi::api {

class ReplyCache {
 public:
  explicit ReplyCache(size_t max_bytes = 64 << 20) : shard_budget_(max_bytes / kShards) {}
  ReplyCache(const ReplyCache&) = delete;
  ReplyCache& operator=(const ReplyCache&) = delete;

  // The body cached under `key` at sequence `seq`; null when absent or
  // cached at another sequence.
  std::shared_ptr<const std::string> Get(std::string_view key, uint64_t seq);
  // Caches `body` under `key` for sequence `seq` (replacing what was there).
  void Put(std::string_view key, uint64_t seq, std::string body);
  // Entries held and their bytes (bodies and keys), over all shards.
  size_t Entries();
  size_t Bytes();

  static constexpr size_t kShards = 16;
  // The shard that holds `key` (each shard has max_bytes / kShards).
  static size_t ShardOf(std::string_view key) { return (Hash{}(key) >> 40) % kShards; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Entry;
  // Most recently used first; each entry knows its place in it.
  using Order = std::list<const std::string*>;
  struct Entry {
    uint64_t seq = 0;
    std::shared_ptr<const std::string> body;
    Order::iterator place;
  };
  using Map = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;
  struct alignas(64) Shard {
    std::mutex mu;
    Map entries;       // GUARDED_BY(mu)
    Order recency;     // GUARDED_BY(mu); points at the keys of `entries`
    size_t bytes = 0;  // GUARDED_BY(mu)
  };
  Shard& ShardFor(std::string_view key) { return shards_[ShardOf(key)]; }

  const size_t shard_budget_;
  std::array<Shard, kShards> shards_;
};

}  // namespace ketnoi::api
