// Fused CPU kernels of the training engine, compiled to WebAssembly SIMD (core/wasm/build.sh).
// No libc, no allocation: every buffer is a pointer into the one shared memory that JavaScript manages
// (core/wasm/WasmKernels.ts). Every kernel works on a range of points/rows so two threads can split a
// batch; gradients are either written to rows only one thread owns or to per-thread partial buffers,
// so results do not depend on timing. The TypeScript implementations in core/field are the reference
// these kernels are tested against (test/core/wasm).
#include <wasm_simd128.h>
#include <stdint.h>

typedef v128_t f4;
#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store(p, v)
#define SPLAT(x) wasm_f32x4_splat(x)
#define MUL wasm_f32x4_mul
#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#ifdef __wasm_relaxed_simd__
// relaxed SIMD: one fused multiply-add where the CPU has it (results may differ in the last bit)
typedef float f32x4_ __attribute__((vector_size(16)));
#define FMA(acc, a, b) ((v128_t)__builtin_wasm_relaxed_madd_f32x4((f32x4_)(a), (f32x4_)(b), (f32x4_)(acc)))
#else
#define FMA(acc, a, b) wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#endif
#define EXPORT(name) __attribute__((export_name(#name)))

static inline float hsum(f4 v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// ---------------------------------------------------------------- scalar maths (no libm)

static const float PI = 3.14159265358979f;

// e^x for |x| ≤ 88: 2^(x log2 e) split into integer and fraction, degree-6 polynomial (rel. error < 2e-7).
static float expf_(float x) {
  if (x > 88.f) x = 88.f;
  if (x < -87.f) x = -87.f;
  float t = x * 1.44269504f;
  float fi = __builtin_floorf(t);
  float f = t - fi;
  float p = 1.f + f * (0.693147182f + f * (0.240226507f + f * (0.0555041087f + f * (0.00961812911f +
            f * (0.00133335581f + f * 0.000154035304f)))));
  union { float f; int32_t i; } u;
  u.i = ((int32_t)fi + 127) << 23;
  return p * u.f;
}

// sin and cos of x ∈ [−π, π] (Taylor to degree 13/12 on [−π/2, π/2] after reflection; abs. error < 1e-7).
static void sincos_(float x, float *s, float *c) {
  float sign_c = 1.f;
  if (x > PI * 0.5f) { x = PI - x; sign_c = -1.f; }
  else if (x < -PI * 0.5f) { x = -PI - x; sign_c = -1.f; }
  float x2 = x * x;
  *s = x * (1.f + x2 * (-1.f / 6 + x2 * (1.f / 120 + x2 * (-1.f / 5040 + x2 * (1.f / 362880 + x2 * (-1.f / 39916800 +
       x2 * (1.f / 6227020800.f)))))));
  *c = sign_c * (1.f + x2 * (-0.5f + x2 * (1.f / 24 + x2 * (-1.f / 720 + x2 * (1.f / 40320 + x2 * (-1.f / 3628800 +
       x2 * (1.f / 479001600.f)))))));
}

// Lower vertex and fraction of p ∈ [0, 1] (clamped) on an axis with R vertices (as cellOf in GridModel.ts).
static inline int cell_of(float p, int R, float *frac) {
  float u = (p < 0.f ? 0.f : p > 1.f ? 1.f : p) * (float)(R - 1);
  int i = (int)__builtin_floorf(u);
  if (i > R - 2) i = R - 2;
  *frac = u - (float)i;
  return i;
}

// ---------------------------------------------------------------- gather / scatter

// out[i·C + c] = Σ_k w[i·K + k] · F[idx[i·K + k]·C + c] for points i ∈ [i0, i1).
EXPORT(gather_fwd)
void gather_fwd(const float *F, int C, int K, const int32_t *idx, const float *w, int i0, int i1, float *out) {
  if (C == 1) {
    for (int i = i0; i < i1; i++) {
      float acc = 0.f;
      for (int k = i * K; k < i * K + K; k++) acc += w[k] * F[idx[k]];
      out[i] = acc;
    }
    return;
  }
  if ((C & 3) == 0) {
    for (int i = i0; i < i1; i++) {
      float *o = out + i * C;
      for (int c = 0; c < C; c += 4) ST(o + c, SPLAT(0.f));
      for (int k = i * K; k < i * K + K; k++) {
        f4 wk = SPLAT(w[k]);
        const float *r = F + idx[k] * C;
        for (int c = 0; c < C; c += 4) ST(o + c, FMA(LD(o + c), wk, LD(r + c)));
      }
    }
    return;
  }
  for (int i = i0; i < i1; i++) {
    float *o = out + i * C;
    for (int c = 0; c < C; c++) o[c] = 0.f;
    for (int k = i * K; k < i * K + K; k++) {
      const float *r = F + idx[k] * C;
      for (int c = 0; c < C; c++) o[c] += w[k] * r[c];
    }
  }
}

// dF[idx_k] += w_k · dOut_i for all n points, but only rows in [rowLo, rowHi): threads split the table, not
// the points, so no two threads write one row and each row sums in the same order as one thread would.
EXPORT(scatter_rows)
void scatter_rows(float *dF, int C, int K, const int32_t *idx, const float *w, int n, const float *dOut, int rowLo, int rowHi) {
  for (int i = 0; i < n; i++) {
    const float *g = dOut + i * C;
    for (int k = i * K; k < i * K + K; k++) {
      int row = idx[k];
      if (row < rowLo || row >= rowHi) continue;
      float wk = w[k];
      float *d = dF + row * C;
      if ((C & 3) == 0) {
        f4 w4 = SPLAT(wk);
        for (int c = 0; c < C; c += 4) ST(d + c, FMA(LD(d + c), w4, LD(g + c)));
      } else {
        for (int c = 0; c < C; c++) d[c] += wk * g[c];
      }
    }
  }
}

// dW[i·K + k] += ⟨dOut_i, F[idx_k]⟩ for i ∈ [i0, i1) (the gradient of a learned kernel's weights).
EXPORT(gather_dw)
void gather_dw(const float *F, int C, int K, const int32_t *idx, int i0, int i1, const float *dOut, float *dW) {
  for (int i = i0; i < i1; i++) {
    const float *g = dOut + i * C;
    for (int k = i * K; k < i * K + K; k++) {
      const float *r = F + idx[k] * C;
      float dot = 0.f;
      if ((C & 3) == 0) {
        f4 acc = SPLAT(0.f);
        for (int c = 0; c < C; c += 4) acc = FMA(acc, LD(g + c), LD(r + c));
        dot = hsum(acc);
      } else {
        for (int c = 0; c < C; c++) dot += g[c] * r[c];
      }
      dW[k] += dot;
    }
  }
}

// ---------------------------------------------------------------- dense MLP decoder

// C[m, 0:N] (+)= Σ_p A(m, p) · B[p, 0:N] for rows m ∈ [m0, m1): A(m, p) = A[m·am + p·ap], B row-major with
// leading dimension ldb, C with ldc. N must be a multiple of 4. Register blocks of 4 rows × 8 columns.
static void gemm_block(int m0, int m1, int N, int P, const float *A, int am, int ap, const float *B, int ldb,
                 float *Cm, int ldc, int accumulate) {
  int m = m0;
  for (; m + 4 <= m1; m += 4) {
    const float *a0 = A + m * am, *a1 = a0 + am, *a2 = a1 + am, *a3 = a2 + am;
    int n = 0;
    for (; n + 8 <= N; n += 8) {
      f4 c00, c01, c10, c11, c20, c21, c30, c31;
      if (accumulate) {
        c00 = LD(Cm + m * ldc + n); c01 = LD(Cm + m * ldc + n + 4);
        c10 = LD(Cm + (m + 1) * ldc + n); c11 = LD(Cm + (m + 1) * ldc + n + 4);
        c20 = LD(Cm + (m + 2) * ldc + n); c21 = LD(Cm + (m + 2) * ldc + n + 4);
        c30 = LD(Cm + (m + 3) * ldc + n); c31 = LD(Cm + (m + 3) * ldc + n + 4);
      } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = SPLAT(0.f);
      }
      const float *b = B + n;
      for (int p = 0; p < P; p++, b += ldb) {
        f4 b0 = LD(b), b1 = LD(b + 4);
        f4 x0 = SPLAT(a0[p * ap]), x1 = SPLAT(a1[p * ap]), x2 = SPLAT(a2[p * ap]), x3 = SPLAT(a3[p * ap]);
        c00 = FMA(c00, x0, b0); c01 = FMA(c01, x0, b1);
        c10 = FMA(c10, x1, b0); c11 = FMA(c11, x1, b1);
        c20 = FMA(c20, x2, b0); c21 = FMA(c21, x2, b1);
        c30 = FMA(c30, x3, b0); c31 = FMA(c31, x3, b1);
      }
      ST(Cm + m * ldc + n, c00); ST(Cm + m * ldc + n + 4, c01);
      ST(Cm + (m + 1) * ldc + n, c10); ST(Cm + (m + 1) * ldc + n + 4, c11);
      ST(Cm + (m + 2) * ldc + n, c20); ST(Cm + (m + 2) * ldc + n + 4, c21);
      ST(Cm + (m + 3) * ldc + n, c30); ST(Cm + (m + 3) * ldc + n + 4, c31);
    }
    for (; n < N; n += 4) {
      f4 c0, c1, c2, c3;
      if (accumulate) {
        c0 = LD(Cm + m * ldc + n); c1 = LD(Cm + (m + 1) * ldc + n); c2 = LD(Cm + (m + 2) * ldc + n); c3 = LD(Cm + (m + 3) * ldc + n);
      } else {
        c0 = c1 = c2 = c3 = SPLAT(0.f);
      }
      const float *b = B + n;
      for (int p = 0; p < P; p++, b += ldb) {
        f4 b0 = LD(b);
        c0 = FMA(c0, SPLAT(a0[p * ap]), b0); c1 = FMA(c1, SPLAT(a1[p * ap]), b0);
        c2 = FMA(c2, SPLAT(a2[p * ap]), b0); c3 = FMA(c3, SPLAT(a3[p * ap]), b0);
      }
      ST(Cm + m * ldc + n, c0); ST(Cm + (m + 1) * ldc + n, c1); ST(Cm + (m + 2) * ldc + n, c2); ST(Cm + (m + 3) * ldc + n, c3);
    }
  }
  for (; m < m1; m++) {
    const float *a0 = A + m * am;
    for (int n = 0; n < N; n += 4) {
      f4 c0 = accumulate ? LD(Cm + m * ldc + n) : SPLAT(0.f);
      const float *b = B + n;
      for (int p = 0; p < P; p++, b += ldb) c0 = FMA(c0, SPLAT(a0[p * ap]), LD(b));
      ST(Cm + m * ldc + n, c0);
    }
  }
}

// The same product with the p (reduction) dimension cut into panels that stay in cache: a long reduction
// (the weight gradient sums over every sample of the batch) would otherwise stream A and B from memory once
// per 4 × 8 block of C.
#define PANEL 256
static void gemm(int m0, int m1, int N, int P, const float *A, int am, int ap, const float *B, int ldb,
                 float *Cm, int ldc, int accumulate) {
  if (P <= PANEL) { gemm_block(m0, m1, N, P, A, am, ap, B, ldb, Cm, ldc, accumulate); return; }
  for (int p0 = 0; p0 < P; p0 += PANEL) {
    int pn = P - p0 < PANEL ? P - p0 : PANEL;
    gemm_block(m0, m1, N, pn, A + p0 * ap, am, ap, B + p0 * ldb, ldb, Cm, ldc, accumulate || p0 > 0);
  }
}

// Layer l of the decoder, as laid out by WasmDecoder: dims padded to multiples of 4.
typedef struct {
  int32_t in, out;      // padded widths
  float *WT;            // [in, out]   (forward: X · Wᵀ)
  float *W;             // [out, in]   (backward: dY · W)
  float *b;             // [out]
  float *X;             // [rows, in]  input activations (post-ReLU of the layer below, or the encoded input)
  float *dX;            // [rows, in]  gradient w.r.t. X
} Layer;

typedef struct {
  int32_t L;            // layers
  int32_t pad;
  Layer layer[8];
  float *Y;             // [rows, out_L] pre-sigmoid output of the last layer
  float *rgb;           // [rows, 3]
  float *dY;            // [rows, out_L]
} Mlp;

// Forward for rows [i0, i1): hidden = ReLU(X Wᵀ + b), rgb = sigmoid(last).
EXPORT(mlp_forward)
void mlp_forward(Mlp *net, int i0, int i1) {
  for (int l = 0; l < net->L; l++) {
    Layer *ly = &net->layer[l];
    int last = l + 1 == net->L;
    float *Y = last ? net->Y : net->layer[l + 1].X;
    int out = ly->out;
    gemm(i0, i1, out, ly->in, ly->X, ly->in, 1, ly->WT, out, Y, out, 0);
    for (int i = i0; i < i1; i++) {
      float *y = Y + i * out;
      for (int o = 0; o < out; o += 4) {
        f4 v = ADD(LD(y + o), LD(ly->b + o));
        if (!last) v = wasm_f32x4_max(v, SPLAT(0.f));
        ST(y + o, v);
      }
    }
  }
  int outL = net->layer[net->L - 1].out;
  for (int i = i0; i < i1; i++)
    for (int c = 0; c < 3; c++) net->rgb[i * 3 + c] = 1.f / (1.f + expf_(-net->Y[i * outL + c]));
}

// Backward for rows [i0, i1) given dL/drgb: dX of every layer (the input's in layer[0].dX) and this thread's
// partial parameter gradients dW[l] [out, in] and db[l] [out] (accumulated).
EXPORT(mlp_backward)
void mlp_backward(Mlp *net, int i0, int i1, const float *dRgb, float **dW, float **db) {
  int outL = net->layer[net->L - 1].out;
  for (int i = i0; i < i1; i++) {
    for (int c = 0; c < outL; c++) {
      float g = 0.f;
      if (c < 3) { float s = net->rgb[i * 3 + c]; g = dRgb[i * 3 + c] * s * (1.f - s); }
      net->dY[i * outL + c] = g;
    }
  }
  for (int l = net->L - 1; l >= 0; l--) {
    Layer *ly = &net->layer[l];
    const float *dY = l + 1 == net->L ? net->dY : net->layer[l + 1].dX;
    int in = ly->in, out = ly->out;
    // db += Σ_i dY_i
    for (int o = 0; o < out; o += 4) {
      f4 acc = LD(db[l] + o);
      for (int i = i0; i < i1; i++) acc = ADD(acc, LD(dY + i * out + o));
      ST(db[l] + o, acc);
    }
    // dW[o, k] += Σ_i dY[i, o] X[i, k]
    gemm(0, out, in, i1 - i0, dY + i0 * out, 1, out, ly->X + i0 * in, in, dW[l], in, 1);
    // dX = dY · W, masked by the ReLU below (X > 0) for hidden inputs
    gemm(i0, i1, in, out, dY, out, 1, ly->W, in, ly->dX, in, 0);
    if (l > 0) {
      for (int i = i0; i < i1; i++) {
        float *dx = ly->dX + i * in;
        const float *x = ly->X + i * in;
        for (int k = 0; k < in; k += 4) {
          v128_t on = wasm_f32x4_gt(LD(x + k), SPLAT(0.f));
          ST(dx + k, wasm_v128_and(LD(dx + k), on));
        }
      }
    }
  }
}

// ---------------------------------------------------------------- MulFAGrid kernel (MulFAGrid.ts)

#define MAXH 32
#define MAXM 4
#define MAXZ 48
#define S_CLAMP 15.f
#define EPS 1e-6f
#define EPS_SIGNED 1e-3f  // the guard of the signed normalisations (MulFAGrid.ts)
enum { NORM_EXP = 0, NORM_RAW = 1, NORM_LINEAR = 2 };  // MulFAConfig.normalise

// Parameters as packed by WasmKernels.packMulFA (H a multiple of 4, Z = 6L a multiple of 4).
typedef struct {
  int32_t L, M, H, Z, R;
  int32_t norm;         // NORM_EXP (ours), NORM_RAW (Eq. 7–8 as written) or NORM_LINEAR (tri · (1 + s))
  int32_t pad[2];
  float *A1T;           // [Z, H]   (A_1 transposed)
  float *A1;            // [H, Z]
  float *b1;            // [H]
  float *AT[MAXM];      // m ≥ 1: [H, H] transposed
  float *A[MAXM];       // m ≥ 1: [H, H]
  float *b[MAXM];       // m ≥ 1: [H]
  float *a;             // [H]
  float c;
  int32_t pad2;
  float *TS[MAXM];      // [3, R, H] sin of the filter angle per axis (ψ folded into the x axis)
  float *TC[MAXM];      // [3, R, H] cos
} MulFA;

// Gradient block of one thread (accumulated): same shapes; omega as [M][3][H], psi as [M][H].
typedef struct {
  float *A1, *b1;
  float *A[MAXM], *b[MAXM];
  float *a, *c;
  float *omega[MAXM], *psi[MAXM];
} MulFAGrad;

// Per-point state: what the backward pass needs, recomputed there. One per thread, in memory from the caller.
typedef struct {
  float z1[MAXZ], h1[MAXH];
  float hs[MAXM][8][MAXH], gs[MAXM][8][MAXH], th[MAXM][8][MAXH], zs[MAXM][8][MAXH];
  float phi[8], sv[8], tri[8], pv[8][3];
  float dz[MAXH], dh[MAXH], dh1[MAXH];
  float dt[MAXM][8][MAXH];
  float plo[3], phi_[3];
  float f[3];
  int32_t ci[3];
  float sum;
  int32_t r0;
} PointState;


// keep = 0 (support only): the per-corner state the backward pass needs is not stored.
// H is passed as a literal by the callers for the default width (16), so loops over H unroll.
static inline __attribute__((always_inline)) void mulfa_point(const MulFA *k, float px, float py, float pz, PointState *st, int keep,
                                                              const int H) {
  const int L = k->L, M = k->M, Z = k->Z, R = k->R;
  float *f = st->f;
  int32_t *ci = st->ci;
  ci[0] = cell_of(px, R, &f[0]); ci[1] = cell_of(py, R, &f[1]); ci[2] = cell_of(pz, R, &f[2]);
  // Eq. 6: sin/cos(2^k π u) with u = i + f: for k = 0 the sign is (−1)^i, for k ≥ 1 2^k·i is even, so only f
  // matters; higher octaves by angle doubling.
  for (int d = 0, j = 0; d < 3; d++) {
    float s, c;
    sincos_(PI * f[d] - PI * 0.5f, &c, &s);  // sin(πf − π/2) = −cos(πf), cos(πf − π/2) = sin(πf)
    c = -c;
    float sg = (ci[d] & 1) ? -1.f : 1.f;
    st->z1[j++] = sg * s; st->z1[j++] = sg * c;
    for (int q = 1; q < L; q++) {
      float s2 = 2.f * s * c, c2 = 1.f - 2.f * s * s;
      s = s2; c = c2;
      st->z1[j++] = s; st->z1[j++] = c;
    }
  }
  for (int h = 0; h < H; h += 4) {
    f4 acc = LD(k->b1 + h);
    for (int j = 0; j < Z; j++) acc = FMA(acc, SPLAT(st->z1[j]), LD(k->A1T + j * H + h));
    ST(st->h1 + h, acc);
  }
  const float sc = 2.f / (float)(R - 1);
  float sum = 0.f;
  for (int c = 0; c < 8; c++) {
    int bx = c & 1, by = (c >> 1) & 1, bz = c >> 2;
    if (c == 0) for (int a = 0; a < 3; a++) { st->plo[a] = (float)ci[a] * sc - 1.f; st->phi_[a] = (float)(ci[a] + 1) * sc - 1.f; }
    st->pv[c][0] = (float)(ci[0] + bx) * sc - 1.f;
    st->pv[c][1] = (float)(ci[1] + by) * sc - 1.f;
    st->pv[c][2] = (float)(ci[2] + bz) * sc - 1.f;
    float tri = (bx ? f[0] : 1.f - f[0]) * (by ? f[1] : 1.f - f[1]) * (bz ? f[2] : 1.f - f[2]);
    int ox = (ci[0] + bx) * H, oy = (R + ci[1] + by) * H, oz = (2 * R + ci[2] + bz) * H;
    for (int m = 0; m < M; m++) {
      const float *TS = k->TS[m], *TC = k->TC[m];
      float *hm = st->hs[m][c], *gm = st->gs[m][c], *tm = st->th[m][c], *zm = st->zs[m][c];
      for (int h = 0; h < H; h += 4) {
        f4 sx = LD(TS + ox + h), cx = LD(TC + ox + h), sy = LD(TS + oy + h), cy = LD(TC + oy + h);
        f4 sz = LD(TS + oz + h), cz = LD(TC + oz + h);
        f4 sxy = ADD(MUL(sx, cy), MUL(cx, sy)), cxy = SUB(MUL(cx, cy), MUL(sx, sy));
        f4 g = ADD(MUL(sxy, cz), MUL(cxy, sz));
        f4 hv = m == 0 ? LD(st->h1 + h) : LD(hm + h);
        if (keep) {
          if (m == 0) ST(hm + h, hv);
          ST(gm + h, g); ST(tm + h, SUB(MUL(cxy, cz), MUL(sxy, sz)));
        }
        ST(zm + h, MUL(hv, g));
      }
      if (m + 1 < M) {
        const float *AT = k->AT[m + 1], *bb = k->b[m + 1];
        float *next = st->hs[m + 1][c];
        for (int h = 0; h < H; h += 4) {
          f4 acc = LD(bb + h);
          for (int j = 0; j < H; j++) acc = FMA(acc, SPLAT(zm[j]), LD(AT + j * H + h));
          ST(next + h, acc);
        }
      }
    }
    f4 acc = SPLAT(0.f);
    const float *zl = st->zs[M - 1][c];
    for (int h = 0; h < H; h += 4) acc = FMA(acc, LD(k->a + h), LD(zl + h));
    float sv = k->c + hsum(acc);
    if (k->norm == NORM_RAW) st->phi[c] = sv;
    else if (k->norm == NORM_LINEAR) st->phi[c] = tri * (1.f + sv);
    else {
      sv = sv > S_CLAMP ? S_CLAMP : sv < -S_CLAMP ? -S_CLAMP : sv;
      st->phi[c] = tri * expf_(sv);
    }
    st->sv[c] = sv;
    st->tri[c] = tri;
    sum += st->phi[c];
  }
  // signed normalisations: |Σφ| held at ≥ EPS_SIGNED with its sign (+ at 0)
  float inv = k->norm == NORM_EXP ? 1.f / (sum > EPS ? sum : EPS)
            : 1.f / (sum < 0.f ? (sum < -EPS_SIGNED ? sum : -EPS_SIGNED) : (sum > EPS_SIGNED ? sum : EPS_SIGNED));
  for (int c = 0; c < 8; c++) st->phi[c] *= inv;
  st->sum = sum;
  st->r0 = (ci[2] * R + ci[1]) * R + ci[0];
}

static inline __attribute__((always_inline)) void support_impl(const MulFA *k, const float *pts, int i0, int i1, int32_t *idx,
                                                               float *w, PointState *st, const int H) {
  const int R = k->R, RR = R * R;
  for (int i = i0; i < i1; i++) {
    mulfa_point(k, pts[i * 3], pts[i * 3 + 1], pts[i * 3 + 2], st, 0, H);
    int r0 = st->r0, o = i * 8;
    idx[o] = r0; idx[o + 1] = r0 + 1; idx[o + 2] = r0 + R; idx[o + 3] = r0 + R + 1;
    idx[o + 4] = r0 + RR; idx[o + 5] = r0 + RR + 1; idx[o + 6] = r0 + RR + R; idx[o + 7] = r0 + RR + R + 1;
    for (int c = 0; c < 8; c++) w[o + c] = st->phi[c];
  }
}

// Support (8 rows and normalised weights) of points [i0, i1).
EXPORT(mulfa_support)
void mulfa_support(const MulFA *k, const float *pts, int i0, int i1, int32_t *idx, float *w, PointState *st) {
  if (k->H == 16) support_impl(k, pts, i0, i1, idx, w, st, 16);
  else support_impl(k, pts, i0, i1, idx, w, st, k->H);
}

// Rows of (dh, z) staged per layer before they are summed into dA = Σ dh ⊗ z by one GEMM.
#define STAGE 128

static void flush_stage(const MulFA *k, MulFAGrad *g, float *scratch, int rows, const int H) {
  for (int m = 1; m < k->M; m++) {
    const float *DH = scratch + m * STAGE * MAXH, *ZS = scratch + (MAXM + m) * STAGE * MAXH;
    gemm(0, H, H, rows, DH, 1, MAXH, ZS, MAXH, g->A[m], H, 1);
  }
}

static inline __attribute__((always_inline)) void backward_impl(const MulFA *k, const float *pts, int i0, int i1, const float *dW,
                                                                MulFAGrad *g, PointState *st, float *scratch, const int H) {
  const int M = k->M, Z = k->Z;
  float *restrict dz = st->dz, *restrict dh = st->dh, *restrict dh1 = st->dh1;
  int rows = 0;
  for (int i = i0; i < i1; i++) {
    mulfa_point(k, pts[i * 3], pts[i * 3 + 1], pts[i * 3 + 2], st, 1, H);
    // through the normalisation φ̄ = φ / S: dφ_c = (dφ̄_c − Σ_j dφ̄_j φ̄_j) / S, or dφ̄_c / S̃ where the guard holds S
    const int norm = k->norm;
    const float S = st->sum;
    if (norm == NORM_EXP && S < EPS) continue;  // guarded region: weights treated as constant
    const int guarded = norm != NORM_EXP && (S < 0.f ? -S : S) < EPS_SIGNED;
    const float inv = guarded ? 1.f / (S < 0.f ? -EPS_SIGNED : EPS_SIGNED) : 1.f / S;
    const float *dWi = dW + i * 8;
    float dot = 0.f;
    if (!guarded) for (int c = 0; c < 8; c++) dot += dWi[c] * st->phi[c];
    for (int h = 0; h < H; h += 4) ST(dh1 + h, SPLAT(0.f));
    for (int c = 0; c < 8; c++) {
      float sv = st->sv[c];
      // ds_c: e^s → (dφ̄_c − dot) φ̄_c; s → (dφ̄_c − dot) / S; tri (1 + s) → (dφ̄_c − dot) tri_c / S
      float ds = norm == NORM_EXP ? (dWi[c] - dot) * st->phi[c] : (dWi[c] - dot) * inv * (norm == NORM_LINEAR ? st->tri[c] : 1.f);
      if ((norm == NORM_EXP && (sv <= -S_CLAMP || sv >= S_CLAMP)) || ds == 0.f) {
        for (int m = 0; m < M; m++) for (int h = 0; h < H; h += 4) ST(st->dt[m][c] + h, SPLAT(0.f));
        continue;
      }
      *g->c += ds;
      f4 ds4 = SPLAT(ds);
      const float *zl = st->zs[M - 1][c];
      for (int h = 0; h < H; h += 4) {
        ST(g->a + h, FMA(LD(g->a + h), ds4, LD(zl + h)));
        ST(dz + h, MUL(ds4, LD(k->a + h)));
      }
      for (int m = M - 1; m >= 0; m--) {
        const float *hm = st->hs[m][c], *gm = st->gs[m][c], *tm = st->th[m][c];
        float *dtm = st->dt[m][c];
        for (int h = 0; h < H; h += 4) {
          f4 dzh = LD(dz + h);
          ST(dh + h, MUL(dzh, LD(gm + h)));
          ST(dtm + h, MUL(MUL(dzh, LD(hm + h)), LD(tm + h)));
        }
        if (m == 0) {
          for (int h = 0; h < H; h += 4) ST(dh1 + h, ADD(LD(dh1 + h), LD(dh + h)));
        } else {
          // h_m = A_m z + b_m, z = zs[m − 1]: db += dh, dA += dh ⊗ z (staged), dz = A_mᵀ dh
          const float *A = k->A[m], *zin = st->zs[m - 1][c];
          float *bg = g->b[m];
          float *DH = scratch + (m * STAGE + rows) * MAXH, *ZS = scratch + ((MAXM + m) * STAGE + rows) * MAXH;
          for (int h = 0; h < H; h += 4) {
            f4 d = LD(dh + h);
            ST(bg + h, ADD(LD(bg + h), d));
            ST(DH + h, d);
            ST(ZS + h, LD(zin + h));
            ST(dz + h, SPLAT(0.f));
          }
          for (int h = 0; h < H; h++) {
            f4 d4 = SPLAT(dh[h]);
            for (int j = 0; j < H; j += 4) ST(dz + j, FMA(LD(dz + j), d4, LD(A + h * H + j)));
          }
        }
      }
      if (M > 1 && ++rows == STAGE) { flush_stage(k, g, scratch, rows, H); rows = 0; }
    }
    // filter parameters: θ = Ω·p_c + ψ, and p_c takes one of two values per axis, so
    // dΩ[·, axis] = p_lo Σ_{corners at lo} dt + p_hi Σ_{corners at hi} dt, dψ = Σ_c dt
    for (int m = 0; m < M; m++) {
      float *om = g->omega[m], *psg = g->psi[m];
      for (int h = 0; h < H; h += 4) {
        f4 d[8];
        for (int c = 0; c < 8; c++) d[c] = LD(st->dt[m][c] + h);
        f4 x0 = ADD(ADD(d[0], d[2]), ADD(d[4], d[6])), x1 = ADD(ADD(d[1], d[3]), ADD(d[5], d[7]));
        f4 y0 = ADD(ADD(d[0], d[1]), ADD(d[4], d[5])), y1 = ADD(ADD(d[2], d[3]), ADD(d[6], d[7]));
        f4 z0 = ADD(ADD(d[0], d[1]), ADD(d[2], d[3])), z1 = ADD(ADD(d[4], d[5]), ADD(d[6], d[7]));
        ST(om + h, ADD(LD(om + h), ADD(MUL(SPLAT(st->plo[0]), x0), MUL(SPLAT(st->phi_[0]), x1))));
        ST(om + H + h, ADD(LD(om + H + h), ADD(MUL(SPLAT(st->plo[1]), y0), MUL(SPLAT(st->phi_[1]), y1))));
        ST(om + 2 * H + h, ADD(LD(om + 2 * H + h), ADD(MUL(SPLAT(st->plo[2]), z0), MUL(SPLAT(st->phi_[2]), z1))));
        ST(psg + h, ADD(LD(psg + h), ADD(x0, x1)));
      }
    }
    for (int h = 0; h < H; h++) {
      float d = dh1[h];
      g->b1[h] += d;
      f4 d4 = SPLAT(d);
      for (int j = 0; j < Z; j += 4) ST(g->A1 + h * Z + j, FMA(LD(g->A1 + h * Z + j), d4, LD(st->z1 + j)));
    }
  }
  if (M > 1 && rows > 0) flush_stage(k, g, scratch, rows, H);
}

// Kernel-parameter gradients from dL/dφ̄ (dW [n, 8]) for points [i0, i1), accumulated into g. Per thread:
// st (layout(8) bytes) and scratch (layout(9) bytes).
EXPORT(mulfa_backward)
void mulfa_backward(const MulFA *k, const float *pts, int i0, int i1, const float *dW, MulFAGrad *g, PointState *st, float *scratch) {
  if (k->H == 16) backward_impl(k, pts, i0, i1, dW, g, st, scratch, 16);
  else backward_impl(k, pts, i0, i1, dW, g, st, scratch, k->H);
}

// ---------------------------------------------------------------- Adam (masked, as core/optim/Adam.ts)

// For entries [i0, i1) with a non-zero gradient: moments, per-entry bias correction by its update count
// (tables c1, c2 indexed by count), step, gradient zeroed.
EXPORT(adam_masked)
void adam_masked(float *x, float *g, float *m, float *v, int32_t *t, int i0, int i1, float lr, float b1, float b2,
                 float eps, const float *c1, const float *c2) {
  for (int i = i0; i < i1; i++) {
    float gi = g[i];
    if (gi == 0.f) continue;
    int ti = ++t[i];
    float mi = m[i] = b1 * m[i] + (1.f - b1) * gi;
    float vi = v[i] = b2 * v[i] + (1.f - b2) * gi * gi;
    float mh = mi * c1[ti], vh = vi * c2[ti];
    x[i] -= lr * mh / (__builtin_sqrtf(vh) + eps);
    g[i] = 0.f;
  }
}

// Masked Adam over the rows [r0, r1) of a [rows, C] table whose mask byte is set (a superset of the rows with a
// nonzero gradient: the rows a backward touched); clears the mask. The same updates as adam_masked over the
// whole table, without reading the untouched rows (8 mask bytes tested at a time).
EXPORT(adam_rows)
void adam_rows(float *x, float *g, float *m, float *v, int32_t *t, uint8_t *mask, int C, int r0, int r1, float lr, float b1,
               float b2, float eps, const float *c1, const float *c2) {
  int r = r0;
  while (r < r1) {
    if ((r & 7) == 0 && r + 8 <= r1) {
      uint64_t w;
      __builtin_memcpy(&w, mask + r, 8);
      if (w == 0) { r += 8; continue; }
    }
    if (mask[r]) {
      mask[r] = 0;
      adam_masked(x, g, m, v, t, r * C, r * C + C, lr, b1, b2, eps, c1, c2);
    }
    r++;
  }
}

// mask[idx[i]] = 1 for i < n (the rows a support touches, for adam_rows).
EXPORT(mark_rows)
void mark_rows(const int32_t *idx, int n, uint8_t *mask) {
  for (int i = 0; i < n; i++) mask[idx[i]] = 1;
}

// Struct layout as seen by WasmKernels.ts (checked at start-up): q selects a size or field offset.
EXPORT(layout)
int layout(int q) {
  switch (q) {
    case 0: return sizeof(Mlp);
    case 1: return __builtin_offsetof(Mlp, Y);
    case 2: return sizeof(MulFA);
    case 3: return __builtin_offsetof(MulFA, TS);
    case 4: return __builtin_offsetof(MulFA, c);
    case 5: return sizeof(MulFAGrad);
    case 6: return __builtin_offsetof(MulFAGrad, psi);
    case 7: return sizeof(Layer);
    case 8: return sizeof(PointState);
    case 9: return 2 * MAXM * STAGE * MAXH * 4;
    default: return -1;
  }
}
