/* optim.c: Adam with L2 weight decay, torch.optim.Adam's arithmetic. */
#include "optim.h"

#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn_math.h"

void adam_cfg_init(adam_cfg *c)
{
    c->lr = 1e-3;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->eps = 0.01;
    c->weight_decay = 1e-6;
}

/* One element of the update (inlined into both loops below). */
static inline float adam_elem(float pi, float g, float *m, float *v, float b1, float b2, float wd,
                              float step, float rbc2, float eps)
{
    float gi = g + wd * pi;
    float mi = b1 * *m + (1 - b1) * gi;
    float vi = b2 * *v + (1 - b2) * gi * gi;
    *m = mi;
    *v = vi;
    return pi - step * mi / (nn_sqrtf(vi) * rbc2 + eps); /* vectorisable sqrt */
}

void adam_update(float *p, const float *g, float *m, float *v, float *prev, size_t n,
                 const adam_cfg *c, int64_t t)
{
    const float b1 = (float)c->beta1, b2 = (float)c->beta2, wd = (float)c->weight_decay;
    const float eps = (float)c->eps;
    const float step = (float)(c->lr / (1 - pow(c->beta1, (double)t)));
    const float rbc2 = (float)(1 / sqrt(1 - pow(c->beta2, (double)t)));
    /* every element is independent: the split over threads cannot change a
     * bit.  Keeping the previous parameters happens in the same pass (one
     * read of p instead of two). */
    if (prev) {
        SC_OMP("omp parallel for simd schedule(static) if(n > 262144)")
        for (size_t i = 0; i < n; i++) {
            float pi = p[i];
            prev[i] = pi;
            p[i] = adam_elem(pi, g[i], &m[i], &v[i], b1, b2, wd, step, rbc2, eps);
        }
    } else {
        SC_OMP("omp parallel for simd schedule(static) if(n > 262144)")
        for (size_t i = 0; i < n; i++)
            p[i] = adam_elem(p[i], g[i], &m[i], &v[i], b1, b2, wd, step, rbc2, eps);
    }
}
