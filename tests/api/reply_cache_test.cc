#include "api/reply_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ketnoi::api {
namespace {

TEST(ReplyCacheTest, HitOnlyAtTheSequenceItWasCachedFor) {
  ReplyCache cache;
  cache.Put("N1/supplier", 7, "body-7");
  auto hit = cache.Get("N1/supplier", 7);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(*hit, "body-7");
  EXPECT_EQ(cache.Get("N1/supplier", 8), nullptr);  // a write committed since
  EXPECT_EQ(cache.Get("N2", 7), nullptr);
  cache.Put("N1/supplier", 8, "body-8");  // replaced, not added
  EXPECT_EQ(*cache.Get("N1/supplier", 8), "body-8");
  EXPECT_EQ(cache.Get("N1/supplier", 7), nullptr);
  EXPECT_EQ(cache.Entries(), 1u);
}

TEST(ReplyCacheTest, StaysWithinItsBudgetDroppingTheLeastRecentlyUsed) {
  // Each shard holds 1,000 bytes: three 300-byte bodies with short keys.
  ReplyCache cache(1000 * ReplyCache::kShards);
  const std::string body(300, 'x');
  for (int i = 0; i < 2000; ++i) cache.Put("key" + std::to_string(i), 1, body);
  EXPECT_LE(cache.Bytes(), 1000 * ReplyCache::kShards);
  EXPECT_LE(cache.Entries(), 3 * ReplyCache::kShards);
  EXPECT_GE(cache.Entries(), 2 * ReplyCache::kShards);
  EXPECT_NE(cache.Get("key1999", 1), nullptr);  // the newest is kept

  // Five keys of one shard: a, b, c fill it; a is read again; d then e push
  // out the least recently used (b, then c), not the oldest put (a).
  std::vector<std::string> keys;
  for (int i = 0; keys.size() < 5; ++i) {
    std::string key = "need" + std::to_string(i);
    if (ReplyCache::ShardOf(key) == ReplyCache::ShardOf("need0")) keys.push_back(key);
  }
  ReplyCache lru(1000 * ReplyCache::kShards);
  for (int i = 0; i < 3; ++i) lru.Put(keys[i], 1, body);
  ASSERT_NE(lru.Get(keys[0], 1), nullptr);
  lru.Put(keys[3], 1, body);
  EXPECT_EQ(lru.Get(keys[1], 1), nullptr);
  EXPECT_NE(lru.Get(keys[0], 1), nullptr);
  lru.Put(keys[4], 1, body);
  EXPECT_EQ(lru.Get(keys[2], 1), nullptr);
  EXPECT_NE(lru.Get(keys[0], 1), nullptr);
  EXPECT_NE(lru.Get(keys[3], 1), nullptr);
  EXPECT_NE(lru.Get(keys[4], 1), nullptr);
  EXPECT_EQ(lru.Entries(), 3u);
  EXPECT_EQ(lru.Bytes(), 3 * body.size() + keys[0].size() + keys[3].size() + keys[4].size());
}

TEST(ReplyCacheTest, BodyLargerThanAShardIsNotCached) {
  ReplyCache cache(100 * ReplyCache::kShards);
  cache.Put("big", 1, std::string(200, 'y'));
  EXPECT_EQ(cache.Get("big", 1), nullptr);
  EXPECT_EQ(cache.Bytes(), 0u);
}

}  // namespace
}  // namespace ketnoi::api
