/* nn.h: neural-network layers, llm.c style.
 *
 * Every layer is a pair NAME_forward / NAME_backward over contiguous
 * row-major buffers of B rows (cells).  Backward functions accumulate (+=)
 * into parameter gradients and input gradients, so the caller zeroes them
 * once per step; the exceptions (functions that start a gradient chain and
 * write) say so.
 *
 * Weights are stored input-major: a linear layer from K inputs to N outputs
 * holds W as K x N (the transpose of torch's nn.Linear.weight), so
 *   out[B,N] = in[B,K] . W + bias
 * is one sgemm without transposes, row j of W is input j's contribution (a
 * contiguous N-vector: what the sparse first layer adds per non-zero count),
 * and the rows after the first K hold the one-hot covariates.
 *
 * Precision: the kernels are written once over a `real` type (nn_kern.h,
 * defined in nn_kern_impl.h) and built twice: float (training, cblas_sgemm)
 * and double (cblas_dgemm), names ending _f and _d.  The gradient test runs
 * the double build against central finite differences, so it checks the very
 * code that trains rather than a second copy of the maths. */
#ifndef SC_NN_H
#define SC_NN_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* OpenMP pragmas that vanish when the compiler has no OpenMP (no
 * -Wunknown-pragmas warnings). */
#ifdef _OPENMP
#define SC_OMP(x) _Pragma(x)
#else
#define SC_OMP(x)
#endif

/* NN_HOT: the element-wise and sparse kernels (likelihood, softmax, sparse
 * first layer, BatchNorm) are built twice, for x86-64-v3 (AVX2: 8 floats a
 * vector) and the baseline (SSE2: 4), and the loader picks one by the CPU
 * (GCC's target_clones; the OpenMP bodies are cloned with them).  The
 * configure flags stay portable; ISO C mode keeps -ffp-contract=off, so no
 * FMA changes a rounding: the same arithmetic, twice as wide. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SC_NO_CLONES)
#define NN_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define NN_HOT
#endif
/* Helpers of an NN_HOT kernel, inlined into each of its builds (a call
 * would run the baseline build of the helper). */
#ifdef __GNUC__
#define NN_INLINE static inline __attribute__((always_inline))
#else
#define NN_INLINE static inline
#endif

/* One-hot covariates injected into a linear layer (scvi-tools' n_cat_list):
 * each of the B rows has n categorical values, given as the one-hot column
 * in [0, C) that is set (-1: none).  Column c adds row K + c of W. */
typedef struct nn_cov {
    int n;              /* categorical covariates (0: none) */
    int C;              /* one-hot width of all of them */
    const int32_t *col; /* B x n */
} nn_cov;

/* Columns processed per task in the parallel weight-gradient loops.  Fixed,
 * so results do not depend on the thread count. */
#define NN_COLCHUNK 32
/* ... and in the sparse layer's weight gradient (wider: each pass reads all
 * the batch's non-zeros) */
#define NN_SPCHUNK 64

/* GEMM tiles (see gemm in nn_kern_impl.h): products under NN_GEMM_MIN_FLOPS
 * are one call. */
#define NN_GEMM_MIN_FLOPS 4e6
#define NN_GEMM_NCHUNK 256
#define NN_GEMM_MCHUNK 64

#define NN_REAL float
#define NN_SFX(x) x##_f
#include "nn_kern.h"
#undef NN_REAL
#undef NN_SFX

#define NN_REAL double
#define NN_SFX(x) x##_d
#include "nn_kern.h"
#undef NN_REAL
#undef NN_SFX

#endif
