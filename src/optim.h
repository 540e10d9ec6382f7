/* optim.h: Adam as scvi-tools configures it.
 *
 * scvi-tools' TrainingPlan builds torch.optim.Adam (optimizer="Adam" by
 * default, not AdamW) with lr=1e-3, eps=0.01, weight_decay=1e-6 and torch's
 * betas (0.9, 0.999).  torch's Adam applies weight decay as L2: the decay is
 * added to the gradient before the moments (g += wd * p), to every
 * parameter (biases, BatchNorm scales and px_r included).  The update is
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * with eps added after the bias correction of sqrt(v), as torch does. */
#ifndef SC_OPTIM_H
#define SC_OPTIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct adam_cfg {
    double lr, beta1, beta2, eps, weight_decay;
} adam_cfg;

/* scvi-tools' values. */
void adam_cfg_init(adam_cfg *c);

/* One step over the flat block of n parameters p with gradients g and
 * moments m, v (same layout); t is the step number, from 1.  When prev is
 * not NULL it receives p as it was before the step (in the same pass), so a
 * caller can roll back a step that turns out bad. */
void adam_update(float *p, const float *g, float *m, float *v, float *prev, size_t n,
                 const adam_cfg *c, int64_t t);

#endif
