/* threads.c: thread count for OpenBLAS and OpenMP. */
#include "threads.h"

#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static int g_threads = 1;
static int g_blas = 1; /* what OpenBLAS was last told */

void sc_set_threads(int n)
{
    if (n < 1)
        n = 1;
    g_threads = n;
    g_blas = n;
    openblas_set_num_threads(n);
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

int sc_get_threads(void)
{
    return g_threads;
}

int sc_blas_single(void)
{
    int prev = g_blas;
    if (prev != 1) {
        openblas_set_num_threads(1);
        g_blas = 1;
    }
    return prev;
}

void sc_blas_restore(int prev)
{
    if (prev != g_blas) {
        openblas_set_num_threads(prev);
        g_blas = prev;
    }
}
