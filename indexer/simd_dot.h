// Inner products of float vectors with the widest instructions the CPU
// offers (AVX2+FMA when present, SSE2 otherwise, plain C++ elsewhere),
// chosen once at start. The generic Faiss build that Debian ships computes
// them one multiply-add at a time; the dense searches of VectorIndex use
// these instead. Results may differ from a sequential sum in the last bits
// (the order of additions differs), but one machine always gives the same
// value for the same inputs.
#pragma once

#include <cstddef>

namespace ketnoi::indexer {

float Dot(const float* a, const float* b, size_t d);
// out[i] = Dot(q, x + i * d, d) for i in [0, n).
void DotMany(const float* q, const float* x, size_t n, size_t d, float* out);
// "avx2", "sse2" or "scalar": what Dot runs on this machine.
const char* DotKernelName();

}  // namespace ketnoi::indexer
