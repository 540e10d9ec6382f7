/* nn.c: the layer kernels (nn_kern_impl.h) built for float and double. */
#include "nn.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "nn_math.h"

#define NN_REAL float
#define NN_SFX(x) x##_f
#define NN_F(fn) fn##f
#define NN_EXP nn_expf /* vectorisable (nn_math.h) */
#define NN_GEMM cblas_sgemm
#include "nn_kern_impl.h"
#undef NN_REAL
#undef NN_SFX
#undef NN_F
#undef NN_EXP
#undef NN_GEMM

#define NN_REAL double
#define NN_SFX(x) x##_d
#define NN_F(fn) fn
#define NN_EXP exp
#define NN_GEMM cblas_dgemm
#include "nn_kern_impl.h"
#undef NN_REAL
#undef NN_SFX
#undef NN_F
#undef NN_EXP
#undef NN_GEMM
