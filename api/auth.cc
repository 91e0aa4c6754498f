#include "api/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

#include "engine/store.h"

namespace ketnoi::api {
namespace {

constexpr std::string_view kPrefix = "kn_";
constexpr size_t kIdHexLen = 16;
constexpr size_t kSecretHexLen = 64;

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

StatusOr<std::string> RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) {
    return Internal("RAND_bytes failed: no entropy for a new key");
  }
  return Hex(buf.data(), bytes);
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  return Hex(digest, len);
}

std::string Encode(const ApiKey& key, const std::string& sha256) {
  nlohmann::json j = {{"id", key.id},
                      {"role", RoleName(key.role)},
                      {"entity", key.entity},
                      {"created", key.created_unix},
                      {"sha256", sha256}};
  return j.dump();
}

Status Decode(std::string_view text, ApiKey* key, std::string* sha256) {
  try {
    auto j = nlohmann::json::parse(text);
    key->id = j.at("id").get<std::string>();
    if (!ParseRole(j.at("role").get<std::string>(), &key->role)) {
      return Corruption("key " + key->id + ": unknown role");
    }
    key->entity = j.value("entity", "");
    key->created_unix = j.value("created", int64_t{0});
    if (sha256 != nullptr) *sha256 = j.at("sha256").get<std::string>();
    return Status::OK();
  } catch (const nlohmann::json::exception& e) {
    return Corruption(std::string("stored API key does not decode: ") + e.what());
  }
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kStaff: return "staff";
    case Role::kPlanner: return "planner";
    case Role::kSupplier: return "supplier";
  }
  return "unknown";
}

bool ParseRole(std::string_view s, Role* out) {
  for (Role r : {Role::kAdmin, Role::kStaff, Role::kPlanner, Role::kSupplier}) {
    if (s == RoleName(r)) {
      *out = r;
      return true;
    }
  }
  return false;
}

StatusOr<std::pair<std::string, ApiKey>> KeyStore::Create(Role role,
                                                          std::string_view entity) const {
  ApiKey key;
  key.role = role;
  if (role == Role::kSupplier) {
    if (entity.empty()) {
      return InvalidArgument("field 'entity': a supplier key needs the supplier or expert id");
    }
    auto s = store_->GetSupplier(entity);
    if (!s.ok() && s.status().code() != StatusCode::kNotFound) return s.status();
    if (!s.ok()) {
      auto e = store_->GetExpert(entity);
      if (!e.ok() && e.status().code() != StatusCode::kNotFound) return e.status();
      if (!e.ok()) {
        return InvalidArgument("field 'entity': no supplier or expert with id '" +
                               std::string(entity) + "'");
      }
    }
    key.entity = std::string(entity);
  } else if (!entity.empty()) {
    return InvalidArgument("field 'entity': only supplier keys are bound to an entity");
  }
  auto id = RandomHex(kIdHexLen / 2);
  if (!id.ok()) return id.status();
  auto secret = RandomHex(kSecretHexLen / 2);
  if (!secret.ok()) return secret.status();
  key.id = *id;
  key.created_unix = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  std::string text = std::string(kPrefix) + key.id + "_" + *secret;
  Status st = store_->PutRaw(engine::Family::kKeys, key.id, Encode(key, Sha256Hex(text)));
  if (!st.ok()) return st;
  return std::make_pair(std::move(text), std::move(key));
}

StatusOr<ApiKey> KeyStore::Verify(std::string_view presented) const {
  constexpr size_t kLen = kPrefix.size() + kIdHexLen + 1 + kSecretHexLen;
  if (presented.size() != kLen || presented.substr(0, kPrefix.size()) != kPrefix ||
      presented[kPrefix.size() + kIdHexLen] != '_' || !IsLowerHex(presented.substr(3, 16)) ||
      !IsLowerHex(presented.substr(kPrefix.size() + kIdHexLen + 1))) {
    return Unauthenticated("malformed API key");
  }
  std::string_view id = presented.substr(kPrefix.size(), kIdHexLen);
  std::string hash = Sha256Hex(presented);
  uint64_t generation = 0;
  {
    std::shared_lock lock(mu_);
    generation = revocations_;
    auto it = cache_.find(std::string(id));
    if (it != cache_.end()) {
      if (CRYPTO_memcmp(it->second.sha256.data(), hash.data(), hash.size()) != 0) {
        return Unauthenticated("unknown or revoked API key");
      }
      return it->second.key;
    }
  }
  auto raw = store_->GetRaw(engine::Family::kKeys, id);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) {
      return Unauthenticated("unknown or revoked API key");
    }
    return raw.status();
  }
  ApiKey key;
  std::string stored_hash;
  Status st = Decode(*raw, &key, &stored_hash);
  if (!st.ok()) return st;
  if (stored_hash.size() != hash.size() ||
      CRYPTO_memcmp(stored_hash.data(), hash.data(), hash.size()) != 0) {
    return Unauthenticated("unknown or revoked API key");
  }
  std::unique_lock lock(mu_);
  if (revocations_ == generation) cache_[key.id] = Cached{stored_hash, key};
  return key;
}

Status KeyStore::Revoke(std::string_view id) const {
  auto raw = store_->GetRaw(engine::Family::kKeys, id);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) {
      return NotFound("no API key with id '" + std::string(id) + "'");
    }
    return raw.status();
  }
  Status st = store_->DeleteRaw(engine::Family::kKeys, id);
  std::unique_lock lock(mu_);
  cache_.erase(std::string(id));
  ++revocations_;
  return st;
}

StatusOr<std::vector<ApiKey>> KeyStore::List() const {
  std::vector<ApiKey> keys;
  Status decode_status;
  Status st = store_->ScanRaw(engine::Family::kKeys, "", "",
                              [&](std::string_view, std::string_view value) {
                                ApiKey key;
                                decode_status = Decode(value, &key, nullptr);
                                if (!decode_status.ok()) return false;
                                keys.push_back(std::move(key));
                                return true;
                              });
  if (!st.ok()) return st;
  if (!decode_status.ok()) return decode_status;
  return keys;
}

}  // namespace ketnoi::api
