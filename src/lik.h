/* lik.h: the VAE's observation models and the KL term.
 *
 * Negative log-likelihoods of counts given a mean mu (and an inverse
 * dispersion theta per gene, and zero-inflation logits pi), with their
 * gradients, written as scvi-tools writes them (scvi/distributions/
 * _negative_binomial.py, log_nb_positive and log_zinb_positive with
 * eps = 1e-8; torch's Poisson.log_prob):
 *
 *   NB    log p = theta (log(theta+eps) - log(theta+mu+eps))
 *                 + x (log(mu+eps) - log(theta+mu+eps))
 *                 + lgamma(x+theta) - lgamma(theta) - lgamma(x+1)
 *   ZINB  rho = sigmoid(pi) is the extra-zero probability;
 *         x = 0: log(rho + (1-rho) q), q = exp(theta (log(theta+eps) - log(theta+mu+eps)))
 *                (the same value as scvi's softplus(-pi + theta(...)) - softplus(-pi));
 *         x > 0: log(1-rho) + NB
 *   Poisson log p = x log mu - mu - lgamma(x+1)
 *
 * Cost (the hot spot once the GEMMs are fast): every gene of a row first
 * gets the zero-count value in one vectorised pass (NB: one log; ZINB: two
 * exp and two log; the float build's exp/log are inline, nn_math.h); the
 * row's non-zero counts are then gathered and done in a second vectorised
 * pass that overwrites their genes.  No lgamma is needed for them: for an
 * integer count x, lgamma(x+theta) - lgamma(theta) = log prod_{k<x}
 * (theta+k) and the digamma difference is sum_k 1/(theta+k) (branch-free
 * for x <= 4, which is most UMI counts; a scalar loop up to
 * LIK_SMALLX; lgamma / digamma beyond).  lgamma(x+1) comes from a table for
 * integer x < 1024; lgamma(theta) and digamma(theta) once per gene per step
 * (lik_prepare).  The work runs over fixed tiles of LIK_BLOCK genes so
 * per-gene sums have one owner and the result does not depend on threads. */
#ifndef SC_LIK_H
#define SC_LIK_H

#include "err.h"
#include "nn.h"

typedef enum lik_kind { LIK_ZINB, LIK_NB, LIK_POISSON, LIK_NKIND } lik_kind;

#define LIK_EPS 1e-8     /* scvi-tools' eps inside the logs */
#define LIK_BLOCK 256    /* genes per tile */
#define LIK_NFACT 1024   /* table of lgamma(x + 1) for integer x < LIK_NFACT */
#define LIK_SMALLX 16    /* integer counts up to this use the product form */

const char *lik_name(lik_kind k);
/* "zinb", "nb", "poisson"; the error lists the choices. */
int lik_parse(const char *s, lik_kind *out, sc_err *e);

/* log Gamma(x) and digamma(x) for x > 0, accurate to about 1e-14 (shift to
 * x >= 10, then the Stirling / asymptotic series).  Thread-safe, unlike
 * lgamma(3), which writes the global signgam. */
double lik_lgamma(double x);
double lik_digamma(double x);

#define NN_REAL float
#define NN_SFX(x) x##_f
#include "lik_kern.h"
#undef NN_REAL
#undef NN_SFX

#define NN_REAL double
#define NN_SFX(x) x##_d
#include "lik_kern.h"
#undef NN_REAL
#undef NN_SFX

#endif
