// OpenBLAS's CBLAS interface plus its introspection calls (openblas_get_corename, openblas_get_num_threads), and the
// one LAPACK routine the project uses.
#include <cblas.h>

// LAPACK's Cholesky solve of a symmetric positive definite system (Fortran interface; libopenblas exports it, and
// Debian's libopenblas-dev ships no lapack.h to declare it).
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda, double *b, const int *ldb, int *info);
