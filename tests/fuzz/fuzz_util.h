// Helpers shared by the libFuzzer targets in tests/fuzz/. A target checks an
// invariant with FUZZ_CHECK: on failure it prints the message and aborts, so
// libFuzzer records the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond, msg)                                                     \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: invariant failed: %s (%s)\n", __FILE__, __LINE__, \
                   #cond, msg);                                                   \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

namespace ketnoi::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace ketnoi::fuzz
