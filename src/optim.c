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

void adam_update(float *p, const float *g, float *m, float *v, float *prev, size_t n,
                 const adam_cfg *c, int64_t t)
{
    const float b1 = (float)c->beta1, b2 = (float)c->beta2, wd = (float)c->weight_decay;
    const float eps = (float)c->eps;
    const float step = (float)(c->lr / (1 - pow(c->beta1, (double)t)));
    const float rbc2 = (float)(1 / sqrt(1 - pow(c->beta2, (double)t)));
    /* every element is independent: the split over threads cannot change a
     * bit.  The copy to prev is its own pass so the update loop vectorises. */
    if (prev)
        memcpy(prev, p, n * sizeof *p);
    SC_OMP("omp parallel for simd schedule(static) if(n > 262144)")
    for (size_t i = 0; i < n; i++) {
        float pi = p[i];
        float gi = g[i] + wd * pi;
        float mi = b1 * m[i] + (1 - b1) * gi;
        float vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - step * mi / (nn_sqrtf(vi) * rbc2 + eps); /* vectorisable sqrt */
    }
}
