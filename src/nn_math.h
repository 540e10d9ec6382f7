/* nn_math.h: exp and log for float written so loops over them vectorise.
 *
 * libm's expf and logf are calls, which stop GCC's vectoriser; the
 * likelihood and the softmax evaluate them for every cell x gene, so the
 * float build uses these inline versions (within 2 ulp over the ranges the
 * VAE meets; NaN passes through).  The double build keeps libm, so the
 * finite-difference test runs at full precision, and it checks the float
 * build against the double one.
 *
 *   exp(x) = 2^k e^r,  k = round(x / ln 2), r = x - k ln 2 (two-part ln 2),
 *            e^r by its Taylor series to r^7 (|r| <= 0.347: error < 6e-9);
 *            below e^-87 the result is flushed to zero (no subnormals)
 *   log(x) = e ln 2 + 2 atanh(s), x = 2^e m, m in [sqrt(1/2), sqrt(2)),
 *            s = (m - 1) / (m + 1), |s| <= 0.172, atanh by its series to s^9 */
#ifndef SC_NN_MATH_H
#define SC_NN_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float nn_bits_to_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t nn_float_to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* c ? a : b by bit masks.  GCC (with its default -ftrapping-math) treats a
 * floating-point ?: as a branch, which stops the vectoriser; an integer
 * mask select does not. */
static inline float nn_self(int c, float a, float b)
{
    uint32_t m = 0u - (uint32_t)(c != 0);
    return nn_bits_to_float((nn_float_to_bits(a) & m) | (nn_float_to_bits(b) & ~m));
}

static inline double nn_seld(int c, double a, double b)
{
    uint64_t m = 0u - (uint64_t)(c != 0), ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    ua = (ua & m) | (ub & ~m);
    memcpy(&a, &ua, sizeof a);
    return a;
}

static inline float nn_expf(float x)
{
    const float lo = -87.0f, hi = 88.72f; /* 2^k stays a normal float */
    float xc = nn_self(x < lo, lo, nn_self(x > hi, hi, x));
    /* round to nearest with the 1.5 * 2^23 trick (no SSE4.1 needed) */
    const float shift = 12582912.0f;
    float kf = xc * 1.44269504088896341f + shift;
    int32_t k = (int32_t)(nn_float_to_bits(kf) - nn_float_to_bits(shift));
    kf -= shift;
    float r = xc - kf * 0.693145751953125f - kf * 1.428606765330187045e-6f;
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    float y = nn_bits_to_float(nn_float_to_bits(p) + ((uint32_t)k << 23));
    y = nn_self(x < lo, 0.0f, y);               /* below e^-87 = 1.6e-38: flushed to 0 */
    y = nn_self(x > hi, (float)INFINITY, y);     /* overflow */
    return nn_self(x != x, x, y);
}

static inline float nn_logf(float x)
{
    uint32_t u = nn_float_to_bits(x);
    int32_t e = (int32_t)((u >> 23) & 0xff) - 127;
    float m = nn_bits_to_float((u & 0x007fffffu) | 0x3f800000u); /* [1, 2) */
    int big = m > 1.41421356f;
    m = nn_self(big, 0.5f * m, m);
    e += big;
    float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float p = 1.0f / 9;
    p = p * s2 + 1.0f / 7;
    p = p * s2 + 1.0f / 5;
    p = p * s2 + 1.0f / 3;
    float y = (float)e * 0.693147180559945309f + (2.0f * s + 2.0f * s * s2 * p);
    /* zero, negative, infinite and NaN arguments as logf; subnormals are
     * outside the VAE's ranges (every argument is >= 1e-8) */
    y = nn_self(x == 0.0f, -(float)INFINITY, y);
    y = nn_self(x < 0.0f, (float)NAN, y);
    y = nn_self(x == (float)INFINITY, x, y);
    return nn_self(x != x, x, y);
}

/* sqrt of x >= 0 as x / sqrt(x) from the bit-pattern estimate of 1/sqrt(x)
 * and three Newton steps (relative error ~1e-7 for normal x, 0 gives 0,
 * subnormals are inexact: Adam adds eps = 0.01 to it anyway).  sqrtf itself
 * may set errno, so GCC keeps a branch to libm that stops the vectoriser. */
static inline float nn_sqrtf(float x)
{
    float y = nn_bits_to_float(0x5f3759dfu - (nn_float_to_bits(x) >> 1));
    float h = 0.5f * x;
    y = y * (1.5f - h * y * y);
    y = y * (1.5f - h * y * y);
    y = y * (1.5f - h * y * y);
    return x * y;
}

#endif
