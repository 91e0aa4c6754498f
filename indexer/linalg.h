// Dense linear algebra the embedder needs, on row-major float matrices, over
// the BLAS/LAPACK that Faiss links (OpenBLAS when installed). Internal to
// indexer/. Not thread-safe with respect to the same output buffers.
#pragma once

#include <cstddef>
#include <vector>

namespace ketnoi::indexer::internal {

// C (m x n) = A (m x k) * B (k x n), or A^T * B when trans_a (A is k x m).
void MatMul(const float* a, const float* b, float* c, int m, int n, int k,
            bool trans_a = false);

// Eigen-decomposition of the symmetric n x n matrix `a` (double, any
// layout): eigenvalues descending into `values`, eigenvectors as the
// columns of the row-major n x n `vectors`. False when LAPACK fails.
bool SymmetricEigen(std::vector<double> a, int n, std::vector<double>* values,
                    std::vector<double>* vectors);

// Replaces the columns of the row-major rows x cols matrix `y` by an
// orthonormal basis of their span (via the Gram matrix: Y W L^-1/2); columns
// beyond the numerical rank become zero. Returns the rank.
int Orthonormalize(float* y, int rows, int cols);

}  // namespace ketnoi::indexer::internal
