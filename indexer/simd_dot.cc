#include "indexer/simd_dot.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ketnoi::indexer {
namespace {

[[maybe_unused]] float DotScalar(const float* a, const float* b, size_t d) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= d; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < d; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

#if defined(__x86_64__)
float DotSse2(const float* a, const float* b, size_t d) {
  __m128 acc0 = _mm_setzero_ps(), acc1 = _mm_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= d; i += 8) {
    acc0 = _mm_add_ps(acc0, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
    acc1 = _mm_add_ps(acc1, _mm_mul_ps(_mm_loadu_ps(a + i + 4), _mm_loadu_ps(b + i + 4)));
  }
  float lanes[4];
  _mm_storeu_ps(lanes, _mm_add_ps(acc0, acc1));
  float s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < d; ++i) s += a[i] * b[i];
  return s;
}

__attribute__((target("avx2,fma"))) float DotAvx2(const float* a, const float* b, size_t d) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= d; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= d; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  __m256 sum = _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3));
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  float lanes[4];
  _mm_storeu_ps(lanes, half);
  float s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < d; ++i) s += a[i] * b[i];
  return s;
}
#endif

using DotFn = float (*)(const float*, const float*, size_t);

struct Kernel {
  DotFn fn;
  const char* name;
};

Kernel Choose() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {DotAvx2, "avx2"};
  return {DotSse2, "sse2"};
#else
  return {DotScalar, "scalar"};
#endif
}

const Kernel& Chosen() {
  static const Kernel k = Choose();
  return k;
}

}  // namespace

float Dot(const float* a, const float* b, size_t d) { return Chosen().fn(a, b, d); }

void DotMany(const float* q, const float* x, size_t n, size_t d, float* out) {
  const DotFn fn = Chosen().fn;
  for (size_t i = 0; i < n; ++i) out[i] = fn(q, x + i * d, d);
}

const char* DotKernelName() { return Chosen().name; }

}  // namespace ketnoi::indexer
