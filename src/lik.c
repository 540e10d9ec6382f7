/* lik.c: observation models (lik_kern_impl.h built for float and double),
 * and the log-gamma and digamma functions they need. */
#include "lik.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_math.h"

/* log of a positive normal double in the float build: the exponent exactly,
 * the mantissa by nn_logf (relative error ~1e-7, as float arithmetic). */
static inline double log_double_f(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    int e = (int)((u >> 52) & 0x7ff) - 1023;
    u = (u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double m;
    memcpy(&m, &u, sizeof m);
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e++;
    }
    return e * 0.69314718055994530942 + (double)nn_logf((float)m);
}

static const char *const lik_names[LIK_NKIND] = {"zinb", "nb", "poisson"};

const char *lik_name(lik_kind k)
{
    return k >= 0 && k < LIK_NKIND ? lik_names[k] : "?";
}

int lik_parse(const char *s, lik_kind *out, sc_err *e)
{
    for (int k = 0; k < LIK_NKIND; k++)
        if (strcmp(s, lik_names[k]) == 0) {
            *out = (lik_kind)k;
            return 0;
        }
    return err_set(e, "unknown likelihood '%s' (expected zinb, nb or poisson)", s);
}

/* Both functions move x up to >= 10 with the recurrences
 * Gamma(x+1) = x Gamma(x) and psi(x+1) = psi(x) + 1/x, where the asymptotic
 * series (Abramowitz & Stegun 6.1.41, 6.3.18) truncated after the x^-13 /
 * x^-12 term is accurate to about 1e-15. */
double lik_lgamma(double x)
{
    double shift = 1;
    while (x < 10) {
        shift *= x;
        x += 1;
    }
    double r = 1 / x, r2 = r * r;
    double series = r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 +
                    r2 * (1.0 / 1188 + r2 * (-691.0 / 360360 + r2 * (1.0 / 156)))))));
    return (x - 0.5) * log(x) - x + 0.91893853320467274178 + series - log(shift);
}

double lik_digamma(double x)
{
    double acc = 0;
    while (x < 10) {
        acc -= 1 / x;
        x += 1;
    }
    double r = 1 / x, r2 = r * r;
    double series = r2 * (1.0 / 12 + r2 * (-1.0 / 120 + r2 * (1.0 / 252 + r2 * (-1.0 / 240 +
                    r2 * (1.0 / 132 + r2 * (-691.0 / 32760 + r2 * (1.0 / 12)))))));
    return acc + log(x) - 0.5 * r - series;
}

#define NN_REAL float
#define NN_SFX(x) x##_f
#define NN_F(fn) fn##f
#define NN_LOG nn_logf /* inline and vectorisable (nn_math.h) */
#define NN_EXP nn_expf
#define NN_LOGD log_double_f
#define NN_SEL nn_self
#include "lik_kern_impl.h"
#undef NN_REAL
#undef NN_SFX
#undef NN_F
#undef NN_LOG
#undef NN_EXP
#undef NN_LOGD
#undef NN_SEL

#define NN_REAL double
#define NN_SFX(x) x##_d
#define NN_F(fn) fn
#define NN_LOG log
#define NN_EXP exp
#define NN_LOGD log
#define NN_SEL nn_seld
#include "lik_kern_impl.h"
#undef NN_REAL
#undef NN_SFX
#undef NN_F
#undef NN_LOG
#undef NN_EXP
#undef NN_LOGD
#undef NN_SEL
