/* threads.h: one place that sets the thread count of OpenBLAS and OpenMP,
 * so `set threads N` governs every parallel loop. */
#ifndef SC_THREADS_H
#define SC_THREADS_H

void sc_set_threads(int n);
int sc_get_threads(void);

#endif
