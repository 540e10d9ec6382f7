/* threads.h: one place that sets the thread count of OpenBLAS and OpenMP,
 * so `set threads N` governs every parallel loop.
 *
 * On few cores the two thread pools must not run at the same time: after a
 * parallel region OpenMP's threads spin waiting for the next one, and
 * OpenBLAS's threads do the same after each call, so alternating small
 * sgemm calls and OpenMP loops makes 2 x N threads fight for N cores (the
 * VAE ran 3x slower on 2 threads than on 1).  Code that mixes them (the
 * VAE) runs OpenBLAS single-threaded inside sc_blas_single() ...
 * sc_blas_restore() and splits its large GEMMs over OpenMP threads itself. */
#ifndef SC_THREADS_H
#define SC_THREADS_H

void sc_set_threads(int n);
int sc_get_threads(void);

/* OpenBLAS on one thread (OpenMP keeps sc_get_threads()); returns the
 * previous setting for sc_blas_restore.  Not nestable across threads. */
int sc_blas_single(void);
void sc_blas_restore(int prev);

#endif
