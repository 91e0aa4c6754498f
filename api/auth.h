// API keys and roles.
//
// A key is shown once, at creation: "kn_<id>_<secret>", where <id> is 16 hex
// digits (the public handle used by `keys list` / `keys revoke` and in the
// access log) and <secret> is 64 hex digits from 32 bytes of OpenSSL
// RAND_bytes. The store keeps, in Family::kKeys under <id>, a JSON record
// {"id","role","entity","created","sha256"} where sha256 is the hex SHA-256 of
// the whole key; the key itself is never stored. Verification compares the
// digests in constant time (CRYPTO_memcmp).
//
// Thread safety: safe for concurrent use. Verified keys are cached in memory
// (saving a RocksDB read and a JSON decode per request); Revoke() through
// this KeyStore drops the cache entry, so a revoked key is refused by the
// next request. The cache assumes no other KeyStore revokes keys in the same
// store while this one is in use: true for `ketnoi serve`, since RocksDB
// lets one process open a store and the server holds one KeyStore.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ketnoi::engine {
class Store;
}

namespace ketnoi::api {

// What a key may do; see docs/api.md for the route-by-route table.
enum class Role : uint8_t { kAdmin, kStaff, kPlanner, kSupplier };

std::string_view RoleName(Role role);  // "admin" / "staff" / "planner" / "supplier"
bool ParseRole(std::string_view s, Role* out);

struct ApiKey {
  std::string id;      // 16 hex digits
  Role role = Role::kStaff;
  std::string entity;  // supplier or expert id; only for Role::kSupplier
  int64_t created_unix = 0;
};

class KeyStore {
 public:
  // `store` is not owned and must outlive the KeyStore.
  explicit KeyStore(engine::Store* store) : store_(store) {}
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // Creates a key. A supplier key needs `entity`, the id of an existing
  // supplier or expert (InvalidArgument otherwise); other roles take none.
  // Returns the key text (to show once) and its record.
  StatusOr<std::pair<std::string, ApiKey>> Create(Role role, std::string_view entity) const;

  // The record of a presented key. Unauthenticated when malformed, unknown,
  // revoked or not matching.
  StatusOr<ApiKey> Verify(std::string_view presented) const;

  // NotFound when no key has this id.
  Status Revoke(std::string_view id) const;

  // Every key record, by id.
  StatusOr<std::vector<ApiKey>> List() const;

 private:
  struct Cached {
    std::string sha256;  // hex digest of the whole key
    ApiKey key;
  };
  engine::Store* store_;
  mutable std::shared_mutex mu_;
  mutable std::unordered_map<std::string, Cached> cache_;  // by key id; GUARDED_BY(mu_)
  // Bumped by every Revoke (GUARDED_BY(mu_)): a Verify that read the store
  // before a revocation does not cache what it read.
  mutable uint64_t revocations_ = 0;
};

}  // namespace ketnoi::api
