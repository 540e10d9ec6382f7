/* sae_bench.c: sparsesc's side of bench/sae: trains an SAE on a raw
 * float32 n x d embedding and prints one line:
 *   sparsesc ARCH cells/s FVU L0 seconds
 * with the settings of the PyTorch reference (tests/peer/sae_peer.py --bench). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sae.h"
#include "sae_train.h"
#include "threads.h"

int main(int argc, char **argv)
{
    if (argc != 10) {
        fprintf(stderr, "usage: sae_bench FILE ARCH N D FEATURES K EPOCHS BATCH THREADS\n");
        return 2;
    }
    const char *path = argv[1];
    long n = atol(argv[3]);
    int d = atoi(argv[4]), m = atoi(argv[5]), k = atoi(argv[6]), epochs = atoi(argv[7]), bs = atoi(argv[8]);
    sc_set_threads(atoi(argv[9]));
    sc_err e = {{0}};
    sae_arch arch;
    if (sae_arch_parse(argv[2], &arch, &e) < 0 || n < 2 || d < 1) {
        fprintf(stderr, "sae_bench: %s\n", e.msg[0] ? e.msg : "bad sizes");
        return 2;
    }
    float *X = malloc(sizeof *X * (size_t)n * d);
    FILE *f = fopen(path, "rb");
    if (!X || !f || fread(X, sizeof *X, (size_t)n * d, f) != (size_t)n * d) {
        fprintf(stderr, "sae_bench: cannot read %ld x %d floats from %s\n", n, d, path);
        return 1;
    }
    fclose(f);
    sae_config c;
    sae_config_init(&c, arch);
    c.features = m;
    c.k = k;
    c.epochs = epochs;
    c.batch_size = bs;
    c.seed = 1;
    c.resample_every = -1; /* the reference does not resample */
    sae_model *M;
    if (sae_create(&M, d, &c, &e) < 0 || sae_fit(M, X, n, d, NULL, NULL, NULL, &e) < 0) {
        fprintf(stderr, "sae_bench: %s\n", e.msg);
        return 1;
    }
    printf("sparsesc\t%s\t%.0f\t%.5f\t%.3f\t%.2f\n", argv[2], M->fit.cells_per_s, M->fit.fvu, M->fit.l0,
           M->fit.seconds);
    sae_free(M);
    free(X);
    return 0;
}
