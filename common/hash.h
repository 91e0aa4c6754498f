// 64-bit FNV-1a of bytes: checksums of saved files (indexer/binary_io.h)
// and short fingerprints (the ranker weights a materialised list was ranked
// with). Not for hash tables fed by untrusted keys.
#pragma once

#include <cstdint>
#include <string_view>

namespace ketnoi {

inline uint64_t Fnv1a64(std::string_view bytes, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace ketnoi
