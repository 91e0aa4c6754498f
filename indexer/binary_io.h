// Little helpers for the indexer's binary files: append fixed-size values
// and strings to a buffer, read them back with bounds checks, and a 64-bit
// FNV-1a checksum. Values are written in the host byte order (x86-64 and
// arm64 are both little-endian); files carry a magic so a foreign file is
// rejected rather than misread. Internal to indexer/.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/hash.h"

namespace ketnoi::indexer::internal {

using ketnoi::Fnv1a64;

class Writer {
 public:
  template <typename T>
  void Put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void PutString(std::string_view s) {
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    buf_.append(s.data(), s.size());
  }
  void PutBytes(const void* p, size_t n) {
    if (n > 0) buf_.append(static_cast<const char*>(p), n);  // p may be null when n == 0
  }
  std::string& buffer() { return buf_; }

 private:
  std::string buf_;
};

// Reads what Writer wrote; every getter returns false past the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  template <typename T>
  bool Get(T* v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (data_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool GetString(std::string* s) {
    uint32_t n;
    if (!Get(&n) || data_.size() - pos_ < n) return false;
    s->assign(data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool GetBytes(void* p, size_t n) {
    if (data_.size() - pos_ < n) return false;
    if (n == 0) return true;  // p may be null (an empty vector's data())
    std::memcpy(p, data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  size_t remaining() const { return data_.size() - pos_; }
  std::string_view rest() const { return data_.substr(pos_); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace ketnoi::indexer::internal
