// matmul (placeholder until the BLAS-backed kernels land).
#include "ops.h"
