// OpenBLAS's CBLAS interface plus its introspection calls (openblas_get_corename, openblas_get_num_threads).
#include <cblas.h>
