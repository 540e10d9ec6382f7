/* vae_kern_impl.h: the VAE's forward and backward pass for one real type.
 * Included twice by vae.c with NN_REAL, NN_SFX and NN_F defined. */

void NN_SFX(vae_point_params)(NN_SFX(vae_params) *p, NN_REAL *base, const size_t *sizes)
{
    NN_REAL **slot[VAE_NTENSOR] = {
        &p->enc_w0, &p->enc_b0, &p->enc_w,  &p->enc_b,   &p->enc_bn_w, &p->enc_bn_b, &p->mean_w,
        &p->mean_b, &p->var_w,  &p->var_b,  &p->dec_w0,  &p->dec_b0,   &p->dec_w,    &p->dec_b,
        &p->dec_bn_w, &p->dec_bn_b, &p->scale_w, &p->scale_b, &p->drop_w, &p->drop_b, &p->px_r};
    size_t off = 0;
    for (int i = 0; i < VAE_NTENSOR; i++) {
        *slot[i] = sizes[i] ? base + off : NULL;
        off += sizes[i];
    }
}

void NN_SFX(vae_point_bn)(NN_SFX(vae_bn) *bn, NN_REAL *base, const vae_dims *d)
{
    size_t n = (size_t)d->nl * d->H;
    bn->enc_mean = base;
    bn->enc_var = base + n;
    bn->dec_mean = base + 2 * n;
    bn->dec_var = base + 3 * n;
}

void NN_SFX(vae_acts_free)(NN_SFX(vae_acts) *a)
{
    NN_REAL **bufs[] = {&a->lib,   &a->xin,      &a->l1p,      &a->enc_a,   &a->enc_y,   &a->enc_h,
                        &a->enc_mask, &a->enc_mean, &a->enc_var, &a->qm,   &a->lv,
                        &a->qv,    &a->eps,      &a->z,       &a->dec_a,   &a->dec_y,
                        &a->dec_h, &a->dec_mean, &a->dec_var, &a->logit,   &a->scale,
                        &a->mu,    &a->pil,      &a->theta,   &a->dmu,     &a->dpi,
                        &a->dtheta, &a->t1,      &a->t2,      &a->t3,      &a->dz,
                        &a->dqm,   &a->dlv};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
        free(*bufs[i]);
        *bufs[i] = NULL;
    }
    free(a->nll);
    free(a->kl);
    a->nll = a->kl = NULL;
    NN_SFX(lik_ws_free)(&a->ws);
}

int NN_SFX(vae_acts_alloc)(NN_SFX(vae_acts) *a, const vae_dims *d, int Bmax, sc_err *e)
{
    memset(a, 0, sizeof *a);
    a->Bmax = Bmax;
    const size_t B = (size_t)Bmax, G = (size_t)d->G, H = (size_t)d->H, L = (size_t)d->L;
    const size_t nl = (size_t)d->nl, BG = B * G, BH = B * H, BL = B * L;
    struct {
        NN_REAL **p;
        size_t n;
    } want[] = {
        {&a->lib, B},         {&a->xin, BG},           {&a->l1p, LIK_NFACT},
        {&a->enc_a, nl * BH},
        {&a->enc_y, nl * BH}, {&a->enc_h, nl * BH},    {&a->enc_mask, nl * BH},
        {&a->enc_mean, nl * H}, {&a->enc_var, nl * H}, {&a->qm, BL},
        {&a->lv, BL},         {&a->qv, BL},            {&a->eps, BL},
        {&a->z, BL},          {&a->dec_a, nl * BH},    {&a->dec_y, nl * BH},
        {&a->dec_h, nl * BH}, {&a->dec_mean, nl * H},  {&a->dec_var, nl * H},
        {&a->logit, BG},      {&a->scale, BG},         {&a->mu, BG},
        {&a->pil, d->lik == LIK_ZINB ? BG : 0},        {&a->theta, G},
        {&a->dmu, BG},        {&a->dpi, d->lik == LIK_ZINB ? BG : 0},
        {&a->dtheta, G},      {&a->t1, BH},            {&a->t2, BH},
        {&a->t3, BH},         {&a->dz, BL},            {&a->dqm, BL},
        {&a->dlv, BL},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        if (want[i].n == 0)
            continue;
        *want[i].p = sc_calloc(e, want[i].n, sizeof(NN_REAL));
        if (!*want[i].p)
            goto fail;
    }
    a->nll = sc_calloc(e, B, sizeof *a->nll);
    a->kl = a->nll ? sc_calloc(e, B, sizeof *a->kl) : NULL;
    if (!a->kl || NN_SFX(lik_ws_alloc)(&a->ws, d->G, Bmax, e) < 0)
        goto fail;
    for (int k = 0; k < LIK_NFACT; k++)
        a->l1p[k] = NN_F(log1p)((NN_REAL)k);
    return 0;
fail:
    NN_SFX(vae_acts_free)(a);
    return -1;
}

/* Slices of the stacked deeper layers (l >= 1). */
#define ENC_W(p, d, l) ((p)->enc_w + (size_t)((l)-1) * ((d)->H + (d)->enc_c) * (d)->H)
#define DEC_W(p, d, l) ((p)->dec_w + (size_t)((l)-1) * ((d)->H + (d)->dec_c) * (d)->H)
#define LAYER(buf, l, B, H) ((buf) + (size_t)(l) * (size_t)(B) * (H))

double NN_SFX(vae_forward)(const NN_SFX(vae_params) *p, const NN_SFX(vae_bn) *bn,
                           const vae_dims *d, NN_SFX(vae_acts) *a, const NN_SFX(vae_batch) *x,
                           double klw, int mode, rng *r)
{
    const int B = x->x.B, G = d->G, H = d->H, L = d->L, nl = d->nl;
    const int train = mode & VAE_TRAIN, keep = mode & VAE_KEEP_NOISE;
    const size_t BH = (size_t)B * H, BL = (size_t)B * L;
    const int64_t nnz = x->x.ptr[B];
    const nn_cov *cov = d->C > 0 ? &x->cov : NULL;
    a->B = B;

    /* library sizes and the encoder's input log1p(counts) */
    for (int b = 0; b < B; b++) {
        double s = 0;
        for (int64_t k = x->x.ptr[b]; k < x->x.ptr[b + 1]; k++)
            s += x->x.val[k];
        a->lib[b] = (NN_REAL)s;
    }
    a->dense = d->first == VAE_FIRST_DENSE ||
               (d->first == VAE_FIRST_AUTO && (double)nnz > VAE_DENSE_DENSITY * B * (double)G);
    NN_SFX(nn_csr) xl = {B, x->x.ptr, x->x.idx, a->xin};
    if (a->dense)
        memset(a->xin, 0, (size_t)B * G * sizeof *a->xin);
    for (int b = 0; b < B; b++)
        for (int64_t k = x->x.ptr[b]; k < x->x.ptr[b + 1]; k++) {
            NN_REAL v = x->x.val[k];
            /* counts are mostly small integers: log1p from a table */
            NN_REAL lv = v < LIK_NFACT && v == (NN_REAL)(int)v ? a->l1p[(int)v] : NN_F(log1p)(v);
            a->xin[a->dense ? (size_t)b * G + (size_t)x->x.idx[k] : (size_t)k] = lv;
        }

    /* encoder */
    const nn_cov *cov_e0 = d->enc_c0 ? cov : NULL, *cov_e = d->enc_c ? cov : NULL;
    for (int l = (mode & VAE_GIVEN_H) ? nl : 0; l < nl; l++) {
        NN_REAL *ea = LAYER(a->enc_a, l, B, H), *ey = LAYER(a->enc_y, l, B, H);
        NN_REAL *eh = LAYER(a->enc_h, l, B, H), *mask = LAYER(a->enc_mask, l, B, H);
        if (l == 0 && a->dense)
            NN_SFX(nn_linear_forward)(ea, a->xin, p->enc_w0, p->enc_b0, cov_e0, B, G, H);
        else if (l == 0)
            NN_SFX(nn_csr_linear_forward)(ea, &xl, p->enc_w0, p->enc_b0, cov_e0, G, H);
        else
            NN_SFX(nn_linear_forward)(ea, LAYER(a->enc_h, l - 1, B, H), ENC_W(p, d, l),
                                      p->enc_b + (size_t)(l - 1) * H, cov_e, B, H, H);
        if (train)
            NN_SFX(nn_batchnorm_forward)(ey, a->enc_mean + (size_t)l * H, a->enc_var + (size_t)l * H,
                                         ea, p->enc_bn_w + (size_t)l * H,
                                         p->enc_bn_b + (size_t)l * H, VAE_BN_EPS, B, H);
        else
            NN_SFX(nn_batchnorm_eval)(ey, ea, p->enc_bn_w + (size_t)l * H,
                                      p->enc_bn_b + (size_t)l * H, bn->enc_mean + (size_t)l * H,
                                      bn->enc_var + (size_t)l * H, VAE_BN_EPS, B, H);
        NN_SFX(nn_relu_forward)(eh, ey, BH);
        if (train && d->dropout > 0) {
            if (!keep)
                NN_SFX(nn_dropout_mask)(mask, BH, d->dropout, r);
            NN_SFX(nn_dropout_forward)(eh, eh, mask, BH);
        }
    }
    const NN_REAL *eh = LAYER(a->enc_h, nl - 1, B, H);
    NN_SFX(nn_linear_forward)(a->qm, eh, p->mean_w, p->mean_b, NULL, B, H, L);
    NN_SFX(nn_linear_forward)(a->lv, eh, p->var_w, p->var_b, NULL, B, H, L);
    if (mode & VAE_ENCODE)
        return 0;

    /* latent */
    a->sampled = (mode & VAE_SAMPLE) != 0;
    if (a->sampled && !keep)
        for (size_t i = 0; i < BL; i++)
            a->eps[i] = (NN_REAL)rng_normal(r);
    if (!a->sampled)
        memset(a->eps, 0, BL * sizeof *a->eps);
    if (mode & VAE_GIVEN_Z) /* keep the caller's z; qv still feeds the KL */
        for (size_t i = 0; i < BL; i++)
            a->qv[i] = NN_F(exp)(a->lv[i]) + (NN_REAL)VAE_VAR_EPS;
    else
        NN_SFX(nn_gauss_forward)(a->z, a->qv, a->qm, a->lv, a->eps, VAE_VAR_EPS, BL);

    /* decoder */
    const nn_cov *cov_d = d->dec_c ? cov : NULL;
    for (int l = 0; l < nl; l++) {
        NN_REAL *da = LAYER(a->dec_a, l, B, H), *dy = LAYER(a->dec_y, l, B, H);
        if (l == 0)
            NN_SFX(nn_linear_forward)(da, a->z, p->dec_w0, p->dec_b0, cov, B, L, H);
        else
            NN_SFX(nn_linear_forward)(da, LAYER(a->dec_h, l - 1, B, H), DEC_W(p, d, l),
                                      p->dec_b + (size_t)(l - 1) * H, cov_d, B, H, H);
        if (train)
            NN_SFX(nn_batchnorm_forward)(dy, a->dec_mean + (size_t)l * H, a->dec_var + (size_t)l * H,
                                         da, p->dec_bn_w + (size_t)l * H,
                                         p->dec_bn_b + (size_t)l * H, VAE_BN_EPS, B, H);
        else
            NN_SFX(nn_batchnorm_eval)(dy, da, p->dec_bn_w + (size_t)l * H,
                                      p->dec_bn_b + (size_t)l * H, bn->dec_mean + (size_t)l * H,
                                      bn->dec_var + (size_t)l * H, VAE_BN_EPS, B, H);
        NN_SFX(nn_relu_forward)(LAYER(a->dec_h, l, B, H), dy, BH);
    }
    const NN_REAL *dh = LAYER(a->dec_h, nl - 1, B, H);
    NN_SFX(nn_linear_forward)(a->logit, dh, p->scale_w, p->scale_b, NULL, B, H, G);
    NN_SFX(nn_softmax_scale_forward)(a->scale, a->mu, a->logit, a->lib, B, G);
    if (d->lik == LIK_ZINB)
        NN_SFX(nn_linear_forward)(a->pil, dh, p->drop_w, p->drop_b, NULL, B, H, G);
    if (d->lik != LIK_POISSON) {
        for (int j = 0; j < G; j++)
            a->theta[j] = NN_F(exp)(p->px_r[j]);
        NN_SFX(lik_prepare)(&a->ws, a->theta);
    }

    /* loss; with VAE_GRAD the likelihood's gradients come in the same pass */
    const int grad = (mode & VAE_GRAD) != 0;
    if (grad)
        memset(a->dtheta, 0, (size_t)G * sizeof *a->dtheta);
    double rec = NN_SFX(lik_nll)(d->lik, &a->ws, a->nll, grad ? a->dmu : NULL, a->dpi, a->dtheta,
                                 &x->x, a->mu, d->lik == LIK_POISSON ? NULL : a->theta, a->pil,
                                 1.0 / B);
    double kl = NN_SFX(lik_kl)(a->kl, NULL, NULL, a->qm, a->lv, VAE_VAR_EPS, 0, B, L);
    a->rec = rec / B;
    a->klm = kl / B;
    a->loss = a->rec + klw * a->klm;
    return a->loss;
}

static void NN_SFX(zero)(NN_REAL *p, size_t n)
{
    memset(p, 0, n * sizeof *p);
}

void NN_SFX(vae_backward)(NN_SFX(vae_params) *g, const NN_SFX(vae_params) *p, const vae_dims *d,
                          NN_SFX(vae_acts) *a, const NN_SFX(vae_batch) *x, double klw)
{
    const int B = a->B, G = d->G, H = d->H, L = d->L, nl = d->nl;
    const size_t BH = (size_t)B * H, BL = (size_t)B * L;
    const nn_cov *cov = d->C > 0 ? &x->cov : NULL;
    NN_REAL *t1 = a->t1, *t2 = a->t2, *t3 = a->t3;

    /* likelihood -> px_r (theta = exp(px_r)) and the output heads */
    if (d->lik != LIK_POISSON)
        for (int j = 0; j < G; j++)
            g->px_r[j] += a->theta[j] * a->dtheta[j];
    NN_SFX(nn_softmax_scale_backward)(a->dmu, a->dmu, a->scale, a->lib, B, G);
    const NN_REAL *dh_last = LAYER(a->dec_h, nl - 1, B, H);
    NN_SFX(zero)(t1, BH);
    NN_SFX(nn_linear_backward)(t1, g->scale_w, g->scale_b, a->dmu, dh_last, p->scale_w, NULL, B,
                               H, G);
    if (d->lik == LIK_ZINB)
        NN_SFX(nn_linear_backward)(t1, g->drop_w, g->drop_b, a->dpi, dh_last, p->drop_w, NULL, B,
                                   H, G);

    /* decoder layers; t1 holds the gradient of layer l's output */
    const nn_cov *cov_d = d->dec_c ? cov : NULL;
    for (int l = nl - 1; l >= 0; l--) {
        NN_SFX(zero)(t2, BH);
        NN_SFX(nn_relu_backward)(t2, t1, LAYER(a->dec_y, l, B, H), BH);
        NN_SFX(zero)(t3, BH);
        NN_SFX(nn_batchnorm_backward)(t3, g->dec_bn_w + (size_t)l * H, g->dec_bn_b + (size_t)l * H,
                                      t2, LAYER(a->dec_a, l, B, H), p->dec_bn_w + (size_t)l * H,
                                      a->dec_mean + (size_t)l * H, a->dec_var + (size_t)l * H,
                                      VAE_BN_EPS, B, H);
        if (l > 0) {
            NN_SFX(zero)(t1, BH);
            NN_SFX(nn_linear_backward)(t1, DEC_W(g, d, l), g->dec_b + (size_t)(l - 1) * H, t3,
                                       LAYER(a->dec_h, l - 1, B, H), DEC_W(p, d, l), cov_d, B, H,
                                       H);
        } else {
            NN_SFX(zero)(a->dz, BL);
            NN_SFX(nn_linear_backward)(a->dz, g->dec_w0, g->dec_b0, t3, a->z, p->dec_w0, cov, B, L,
                                       H);
        }
    }

    /* latent: reparameterisation and KL */
    NN_SFX(zero)(a->dqm, BL);
    NN_SFX(zero)(a->dlv, BL);
    NN_SFX(nn_gauss_backward)(a->dqm, a->dlv, a->dz, a->qv, a->lv, a->eps, BL);
    NN_SFX(lik_kl)(a->kl, a->dqm, a->dlv, a->qm, a->lv, VAE_VAR_EPS, klw / B, B, L);

    /* encoder heads and layers; t1 holds the gradient of layer l's output */
    const NN_REAL *eh_last = LAYER(a->enc_h, nl - 1, B, H);
    NN_SFX(zero)(t1, BH);
    NN_SFX(nn_linear_backward)(t1, g->mean_w, g->mean_b, a->dqm, eh_last, p->mean_w, NULL, B, H, L);
    NN_SFX(nn_linear_backward)(t1, g->var_w, g->var_b, a->dlv, eh_last, p->var_w, NULL, B, H, L);
    const nn_cov *cov_e0 = d->enc_c0 ? cov : NULL, *cov_e = d->enc_c ? cov : NULL;
    NN_SFX(nn_csr) xl = {B, x->x.ptr, x->x.idx, a->xin};
    for (int l = nl - 1; l >= 0; l--) {
        if (d->dropout > 0) {
            NN_SFX(zero)(t2, BH);
            NN_SFX(nn_dropout_backward)(t2, t1, LAYER(a->enc_mask, l, B, H), BH);
            NN_REAL *t = t1;
            t1 = t2;
            t2 = t;
        }
        NN_SFX(zero)(t2, BH);
        NN_SFX(nn_relu_backward)(t2, t1, LAYER(a->enc_y, l, B, H), BH);
        NN_SFX(zero)(t3, BH);
        NN_SFX(nn_batchnorm_backward)(t3, g->enc_bn_w + (size_t)l * H, g->enc_bn_b + (size_t)l * H,
                                      t2, LAYER(a->enc_a, l, B, H), p->enc_bn_w + (size_t)l * H,
                                      a->enc_mean + (size_t)l * H, a->enc_var + (size_t)l * H,
                                      VAE_BN_EPS, B, H);
        if (l > 0) {
            NN_SFX(zero)(t1, BH);
            NN_SFX(nn_linear_backward)(t1, ENC_W(g, d, l), g->enc_b + (size_t)(l - 1) * H, t3,
                                       LAYER(a->enc_h, l - 1, B, H), ENC_W(p, d, l), cov_e, B, H,
                                       H);
        } else if (a->dense) {
            NN_SFX(nn_linear_backward)(NULL, g->enc_w0, g->enc_b0, t3, a->xin, p->enc_w0, cov_e0,
                                       B, G, H);
        } else {
            NN_SFX(nn_csr_linear_backward)(g->enc_w0, g->enc_b0, t3, &xl, cov_e0, G, H);
        }
    }
}

void NN_SFX(vae_bn_commit)(NN_SFX(vae_bn) *bn, const vae_dims *d, const NN_SFX(vae_acts) *a)
{
    for (int l = 0; l < d->nl; l++) {
        size_t o = (size_t)l * d->H;
        NN_SFX(nn_batchnorm_running)(bn->enc_mean + o, bn->enc_var + o, a->enc_mean + o,
                                     a->enc_var + o, VAE_BN_MOMENTUM, a->B, d->H);
        NN_SFX(nn_batchnorm_running)(bn->dec_mean + o, bn->dec_var + o, a->dec_mean + o,
                                     a->dec_var + o, VAE_BN_MOMENTUM, a->B, d->H);
    }
}

#undef ENC_W
#undef DEC_W
#undef LAYER
