#include "indexer/linalg.h"

#include <algorithm>
#include <cmath>

extern "C" {
// Fortran BLAS / LAPACK (column-major), as linked by Faiss.
int sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
           const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
           const float* beta, float* c, const int* ldc);
int dsyev_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda,
           double* w, double* work, const int* lwork, int* info);
}

namespace ketnoi::indexer::internal {

void MatMul(const float* a, const float* b, float* c, int m, int n, int k, bool trans_a) {
  // Row-major C = op(A) B  <=>  column-major C^T = B^T op(A)^T.
  const float one = 1, zero = 0;
  const int lda = trans_a ? m : k;
  const char tb = 'N', ta = trans_a ? 'T' : 'N';
  sgemm_(&tb, &ta, &n, &m, &k, &one, b, &n, a, &lda, &zero, c, &n);
}

bool SymmetricEigen(std::vector<double> a, int n, std::vector<double>* values,
                    std::vector<double>* vectors) {
  std::vector<double> w(n);
  int info = 0, lwork = -1;
  double query = 0;
  const char jobz = 'V', uplo = 'U';
  dsyev_(&jobz, &uplo, &n, a.data(), &n, w.data(), &query, &lwork, &info);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<double> work(lwork);
  dsyev_(&jobz, &uplo, &n, a.data(), &n, w.data(), work.data(), &lwork, &info);
  if (info != 0) return false;
  // LAPACK: ascending values, eigenvector j in column j (column-major, i.e.
  // contiguous a[j*n .. j*n+n)). Reorder descending, store as columns of a
  // row-major matrix.
  values->assign(n, 0);
  vectors->assign(static_cast<size_t>(n) * n, 0);
  for (int j = 0; j < n; ++j) {
    int src = n - 1 - j;
    (*values)[j] = w[src];
    for (int i = 0; i < n; ++i) (*vectors)[static_cast<size_t>(i) * n + j] = a[static_cast<size_t>(src) * n + i];
  }
  return true;
}

int Orthonormalize(float* y, int rows, int cols) {
  // Gram G = Y^T Y in double for stability.
  std::vector<float> g32(static_cast<size_t>(cols) * cols);
  MatMul(y, y, g32.data(), cols, cols, rows, /*trans_a=*/true);
  std::vector<double> g(g32.begin(), g32.end());
  std::vector<double> values, vectors;
  if (!SymmetricEigen(std::move(g), cols, &values, &vectors)) return 0;
  const double top = values.empty() ? 0 : values[0];
  std::vector<float> m(static_cast<size_t>(cols) * cols, 0.0f);
  int rank = 0;
  for (int j = 0; j < cols; ++j) {
    if (!(values[j] > top * 1e-10) || values[j] <= 0) break;
    double s = 1.0 / std::sqrt(values[j]);
    for (int i = 0; i < cols; ++i) {
      m[static_cast<size_t>(i) * cols + j] = static_cast<float>(vectors[static_cast<size_t>(i) * cols + j] * s);
    }
    ++rank;
  }
  std::vector<float> out(static_cast<size_t>(rows) * cols);
  MatMul(y, m.data(), out.data(), rows, cols, cols);
  std::copy(out.begin(), out.end(), y);
  return rank;
}

}  // namespace ketnoi::indexer::internal
