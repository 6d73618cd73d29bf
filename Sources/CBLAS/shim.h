// OpenBLAS's cblas.h also declares openblas_get_corename, openblas_get_config
// and openblas_set_num_threads, which Alloy uses to pick fast kernels.
#include <cblas.h>
