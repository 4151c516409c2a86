// Gaussian kernel sums for measureflow, compiled to WebAssembly SIMD (f64x2) by
// scripts/build-wasm.sh into src/backend/wasmModule.ts. No libc, no imports: the module
// exports its memory and the functions below (heap_base, prep, panels, gauss, finish,
// exp_array); TypeScript (src/backend/wasmKernels.ts) lays out the arrays in that memory.
//
//   val[i]  = Σⱼ vⱼ k(xᵢ, sⱼ)
//   grad[i] = Σⱼ vⱼ ∇₁k(xᵢ, sⱼ) = −(1/σ²)(xᵢ·val[i] − Σⱼ vⱼ k(xᵢ, sⱼ) sⱼ)
//   k(x, s) = exp(h |x − s|²),  h = −1/(2σ²)
//
// The work is tiled: a block of BJ sources, 4 points at a time. For each tile,
//   phase 1  h·|xᵢ − sⱼ|² for 4 points × 4 sources per micro-step, into a scratch block C
//            (direct: Σₐ (xᵢₐ − sⱼₐ)²; norms: |xᵢ|² + |sⱼ|² − 2 xᵢ·sⱼ, clamped at 0);
//   phase 2  Eᵢⱼ = exp(·) in place, row sums Σⱼ vⱼEᵢⱼ into R;
//   phase 3  G[i] += Σⱼ Eᵢⱼ·vⱼsⱼ  (4 points × 4 coordinates per micro-step).
// When the first sources are the points themselves (the MMD witness, S = [X; Y]), the
// symmetric part of the kernel matrix is computed once per pair (see gauss).
// Memory: the inputs, two packed copies of the sources and a 4×BJ scratch block; never an
// n×m matrix. Coordinates are centred on the sources' mean μ for the norms path and for
// xᵢ·val[i] − Σⱼ cᵢⱼ sⱼ (both kernel and gradient are translation invariant), which keeps
// |x|², |s|² and the cancellation in the gradient small; the direct path's distances use
// the raw coordinates, so its kernel values equal the TypeScript path's bit for bit.
//
// exp is fdlibm's e_exp.c algorithm (Cody–Waite reduction, degree-5 rational Remez
// form), vectorised (vexp4); it matches src/backend/exp.ts bit for bit, and both return 0
// below −708.396… (where fdlibm returns a subnormal or 0).

#include <wasm_simd128.h>
typedef v128_t V;

extern unsigned char __heap_base;
__attribute__((export_name("heap_base"))) unsigned heap_base(void) { return (unsigned)&__heap_base; }

#define SPLAT wasm_f64x2_splat
#define ADD wasm_f64x2_add
#define SUB wasm_f64x2_sub
#define MUL wasm_f64x2_mul
#define LD(p) wasm_v128_load(p)
#define ST(p, x) wasm_v128_store(p, x)
#define LDS(p) wasm_v128_load64_splat(p)

// exp(x) for x ≤ 0 on four vectors (8 lanes); the steps are written interleaved.
// Per lane exactly the operations of expNonPositive in src/backend/exp.ts.
static inline void vexp4(V* x0, V* x1, V* x2, V* x3) {
  const V magic = SPLAT(6755399441055744.0), il2 = SPLAT(1.44269504088896338700e+00);
  const V l2h = SPLAT(6.93147180369123816490e-01), l2l = SPLAT(1.90821492927058770002e-10);
  V a = *x0, b = *x1, c = *x2, d = *x3;
  V ka = ADD(MUL(a, il2), magic), kb = ADD(MUL(b, il2), magic), kc = ADD(MUL(c, il2), magic), kd = ADD(MUL(d, il2), magic);
  V fa = SUB(ka, magic), fb = SUB(kb, magic), fc = SUB(kc, magic), fd = SUB(kd, magic);
  V ha = SUB(a, MUL(fa, l2h)), hb = SUB(b, MUL(fb, l2h)), hc = SUB(c, MUL(fc, l2h)), hd = SUB(d, MUL(fd, l2h));
  V la = MUL(fa, l2l), lb = MUL(fb, l2l), lc = MUL(fc, l2l), ld = MUL(fd, l2l);
  V ra = SUB(ha, la), rb = SUB(hb, lb), rc = SUB(hc, lc), rd = SUB(hd, ld);
  V ta = MUL(ra, ra), tb = MUL(rb, rb), tc = MUL(rc, rc), td = MUL(rd, rd);
  const V p5 = SPLAT(4.13813679705723846039e-08), p4 = SPLAT(-1.65339022054652515390e-06);
  V pa = ADD(p4, MUL(ta, p5)), pb = ADD(p4, MUL(tb, p5)), pc = ADD(p4, MUL(tc, p5)), pd = ADD(p4, MUL(td, p5));
  const V p3 = SPLAT(6.61375632143793436117e-05);
  pa = ADD(p3, MUL(ta, pa)); pb = ADD(p3, MUL(tb, pb)); pc = ADD(p3, MUL(tc, pc)); pd = ADD(p3, MUL(td, pd));
  const V p2 = SPLAT(-2.77777777770155933842e-03);
  pa = ADD(p2, MUL(ta, pa)); pb = ADD(p2, MUL(tb, pb)); pc = ADD(p2, MUL(tc, pc)); pd = ADD(p2, MUL(td, pd));
  const V p1 = SPLAT(1.66666666666666019037e-01);
  pa = ADD(p1, MUL(ta, pa)); pb = ADD(p1, MUL(tb, pb)); pc = ADD(p1, MUL(tc, pc)); pd = ADD(p1, MUL(td, pd));
  V ca = SUB(ra, MUL(ta, pa)), cb = SUB(rb, MUL(tb, pb)), cc = SUB(rc, MUL(tc, pc)), cd = SUB(rd, MUL(td, pd));
  const V two = SPLAT(2.0), one = SPLAT(1.0);
  V qa = wasm_f64x2_div(MUL(ra, ca), SUB(two, ca)), qb = wasm_f64x2_div(MUL(rb, cb), SUB(two, cb));
  V qc = wasm_f64x2_div(MUL(rc, cc), SUB(two, cc)), qd = wasm_f64x2_div(MUL(rd, cd), SUB(two, cd));
  V ya = SUB(one, SUB(SUB(la, qa), ha)), yb = SUB(one, SUB(SUB(lb, qb), hb));
  V yc = SUB(one, SUB(SUB(lc, qc), hc)), yd = SUB(one, SUB(SUB(ld, qd), hd));
  const V bias = wasm_i64x2_splat(1023), lim = SPLAT(-708.39641853226408);
  *x0 = wasm_v128_andnot(MUL(ya, wasm_i64x2_shl(wasm_i64x2_add(ka, bias), 52)), wasm_f64x2_lt(a, lim));
  *x1 = wasm_v128_andnot(MUL(yb, wasm_i64x2_shl(wasm_i64x2_add(kb, bias), 52)), wasm_f64x2_lt(b, lim));
  *x2 = wasm_v128_andnot(MUL(yc, wasm_i64x2_shl(wasm_i64x2_add(kc, bias), 52)), wasm_f64x2_lt(c, lim));
  *x3 = wasm_v128_andnot(MUL(yd, wasm_i64x2_shl(wasm_i64x2_add(kd, bias), 52)), wasm_f64x2_lt(d, lim));
}

// Centring: mu [d] ← mean of the sources S [N, d] (at sr), Sv [N4][dp] ← vⱼ(sⱼ − μ) (rows;
// padding rows and coordinate 0), s2 [N4] ← |s − μ|², x2 [n4] ← |x − μ|² for X [n, d] at xr.
// v [N4] must be 0 on the padding rows. Returns max x2 + max s2 (what the norms path's error
// scales with).
__attribute__((export_name("prep")))
double prep(int n, int N, int d, int dp, const double* xr, const double* sr, const double* v, double* mu,
            double* Sv, double* x2, double* s2) {
  const int n4 = (n + 3) & ~3, N4 = (N + 3) & ~3;
  double mx = 0, ms = 0;
  for (int a = 0; a < dp; a++) mu[a] = 0;
  for (int j = 0; j < N; j++)
    for (int a = 0; a < d; a++) mu[a] += sr[(long)j * d + a];
  for (int a = 0; a < d; a++) mu[a] = N > 0 ? mu[a] / N : 0;
  for (int i = 0; i < n4; i++) {
    double s = 0;
    for (int a = 0; a < d && i < n; a++) {
      double t = xr[(long)i * d + a] - mu[a];
      s += t * t;
    }
    x2[i] = s;
    mx = s > mx ? s : mx;
  }
  for (int j = 0; j < N4; j++) {
    double* q = Sv + (long)j * dp;
    const double vj = v[j];
    double s = 0;
    for (int a = 0; a < dp; a++) {
      double t = (j < N && a < d) ? sr[(long)j * d + a] - mu[a] : 0;
      q[a] = vj * t;
      s += t * t;
    }
    s2[j] = s;
    ms = s > ms ? s : ms;
  }
  return mx + ms;
}

// Panels for phase 1: Xp [n4/4][dp][4] and Sp [N4/4][dp][4] (4 rows, coordinate-major),
// from X at xr and S at sr, minus μ when `centred` (norms path) and raw otherwise (direct
// path: then xₐ − yₐ is rounded once, exactly as in the TypeScript loop).
__attribute__((export_name("panels")))
void panels(int n, int N, int d, int dp, const double* xr, const double* sr, const double* mu, int centred,
            double* Xp, double* Sp) {
  const int n4 = (n + 3) & ~3, N4 = (N + 3) & ~3;
  for (int i = 0; i < n4; i++) {
    double* p = Xp + (long)(i >> 2) * dp * 4 + (i & 3);
    for (int a = 0; a < dp; a++)
      p[4 * a] = (i < n && a < d) ? xr[(long)i * d + a] - (centred ? mu[a] : 0) : 0;
  }
  for (int j = 0; j < N4; j++) {
    double* p = Sp + (long)(j >> 2) * dp * 4 + (j & 3);
    for (int a = 0; a < dp; a++)
      p[4 * a] = (j < N && a < d) ? sr[(long)j * d + a] - (centred ? mu[a] : 0) : 0;
  }
}

// The tiled sum. Sources S [N4] with coefficients v [N4] (0 on padding rows); Sv = v·(S − μ)
// rows from prep; C scratch [BJ][4] with BJ % 4 == 0. Produces
//   R [n4] = Σⱼ vⱼ Eᵢⱼ,  Rg [n4] = Σ' vⱼ Eᵢⱼ  and, if (mode & 1), G [n4][dp] = Σ' Eᵢⱼ vⱼ(sⱼ − μ),
//   Eᵢⱼ = exp(h|xᵢ − sⱼ|²), Σ' leaving out a point's own entry in the shared block (phase 2);
// (mode & 2) selects direct distances. nself declares that source rows 0 … nself−1 are the
// point rows 0 … nself−1 (the MMD witness: S = [X; Y]); then a point's own entry is left out
// of the gradient sums (phase 2). P ≤ nself/4 asks to use the symmetry Eᵢⱼ = Eⱼᵢ on the first
// 4P rows: the tile of point group g against source panel q > g also adds the transposed
// contribution to the points of panel q, and panels q < g are skipped.
// i0 (a multiple of 4) is the global index of point row 0 when Xp holds a row range
// [i0, i0 + n) of the points (threads split the rows); then P must be 0. Without symmetry
// every row's sums run over the sources in the same order whatever the range, so a row's
// result does not depend on how the rows were split.
__attribute__((export_name("gauss")))
void gauss(int n4, int N4, int dp, const double* Xp, const double* Sp, const double* Sv, const double* v,
           const double* x2, const double* s2, double h, double* G, double* R, double* Rg, double* C, int BJ, int mode,
           int nself, int P, int i0) {
  const int grad = mode & 1, direct = mode & 2;
  if (grad)
    for (long i = 0; i < (long)n4 * dp; i++) G[i] = 0;
  for (int i = 0; i < n4; i++) R[i] = Rg[i] = 0;
  const V hv = SPLAT(h);
  const V zero = SPLAT(0);
  for (int J0 = 0; J0 < N4; J0 += BJ) {
    const int J1 = N4 - J0 < BJ ? N4 : J0 + BJ;
    for (int g = 0; g < n4; g += 4) {
      const int gp = g >> 2;
      // sources [j0, J1) of this block; in the shared block, panels below gp were done as transposes
      int j0 = J0;
      if (gp < P && j0 < g) j0 = g < J1 ? g : J1;
      if (j0 == J1) continue;
      const double* xp = Xp + (long)g * dp;
#define CB(j) (C + 4 * ((j) - J0))  // CB(j)[k]: entry of point g+k and source j
      // phase 1: CB(j)[k] = h·|x_{g+k} − s_j|², lanes = points (k, k+1)
      for (int j = j0; j < J1; j += 4) {
        const double* sp = Sp + (long)j * dp;
        V a00 = zero, a01 = zero, a02 = zero, a03 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero;
        double* cp = CB(j);
        if (direct) {
          for (int a = 0; a < dp; a++) {
            V x01 = LD(xp + 4 * a), x23 = LD(xp + 4 * a + 2), s, t;
            s = LDS(sp + 4 * a);     t = SUB(x01, s); a00 = ADD(a00, MUL(t, t)); t = SUB(x23, s); a10 = ADD(a10, MUL(t, t));
            s = LDS(sp + 4 * a + 1); t = SUB(x01, s); a01 = ADD(a01, MUL(t, t)); t = SUB(x23, s); a11 = ADD(a11, MUL(t, t));
            s = LDS(sp + 4 * a + 2); t = SUB(x01, s); a02 = ADD(a02, MUL(t, t)); t = SUB(x23, s); a12 = ADD(a12, MUL(t, t));
            s = LDS(sp + 4 * a + 3); t = SUB(x01, s); a03 = ADD(a03, MUL(t, t)); t = SUB(x23, s); a13 = ADD(a13, MUL(t, t));
          }
          ST(cp, MUL(hv, a00)); ST(cp + 2, MUL(hv, a10));
          ST(cp + 4, MUL(hv, a01)); ST(cp + 6, MUL(hv, a11));
          ST(cp + 8, MUL(hv, a02)); ST(cp + 10, MUL(hv, a12));
          ST(cp + 12, MUL(hv, a03)); ST(cp + 14, MUL(hv, a13));
        } else {
          for (int a = 0; a < dp; a++) {
            V x01 = LD(xp + 4 * a), x23 = LD(xp + 4 * a + 2), s;
            s = LDS(sp + 4 * a);     a00 = ADD(a00, MUL(x01, s)); a10 = ADD(a10, MUL(x23, s));
            s = LDS(sp + 4 * a + 1); a01 = ADD(a01, MUL(x01, s)); a11 = ADD(a11, MUL(x23, s));
            s = LDS(sp + 4 * a + 2); a02 = ADD(a02, MUL(x01, s)); a12 = ADD(a12, MUL(x23, s));
            s = LDS(sp + 4 * a + 3); a03 = ADD(a03, MUL(x01, s)); a13 = ADD(a13, MUL(x23, s));
          }
          const V n01 = LD(x2 + g), n23 = LD(x2 + g + 2);
          const double* sn = s2 + j;
#define NS(acc, nx, l) MUL(hv, wasm_f64x2_pmax(SUB(ADD(nx, LDS(sn + l)), ADD(acc, acc)), zero))
          ST(cp, NS(a00, n01, 0)); ST(cp + 2, NS(a10, n23, 0));
          ST(cp + 4, NS(a01, n01, 1)); ST(cp + 6, NS(a11, n23, 1));
          ST(cp + 8, NS(a02, n01, 2)); ST(cp + 10, NS(a12, n23, 2));
          ST(cp + 12, NS(a03, n01, 3)); ST(cp + 14, NS(a13, n23, 3));
#undef NS
        }
      }
      // phase 2: CB(j)[k] ← E = exp(CB(j)[k]); R[g+k] += Σⱼ vⱼ E.
      // In the shared block, a point's own entry (source g+k = point g+k, distance 0, E = 1)
      // adds v·1 to R but nothing to the gradient (x − x = 0), and in x·R − Σ E v s it would
      // cancel only up to rounding: the diagonal panel is done first, apart, and its own
      // entries are left out of Rg and zeroed in C.
      V r01 = zero, r23 = zero, dv01 = zero, dv23 = zero, dg01 = zero, dg23 = zero;
      const int gs = g + i0;  // the point group's global index: its own sources are gs … gs+3
      const int diag = gs < nself && j0 <= gs && gs < J1;  // the diagonal panel is in this block
      if (diag) {
        double* cp = CB(gs);
        V e0 = LD(cp), e1 = LD(cp + 2), e2 = LD(cp + 4), e3 = LD(cp + 6);
        V e4 = LD(cp + 8), e5 = LD(cp + 10), e6 = LD(cp + 12), e7 = LD(cp + 14);
        vexp4(&e0, &e1, &e2, &e3);
        vexp4(&e4, &e5, &e6, &e7);
        const V v0 = LDS(v + gs), v1 = LDS(v + gs + 1), v2 = LDS(v + gs + 2), v3 = LDS(v + gs + 3);
        dv01 = ADD(ADD(MUL(v0, e0), MUL(v1, e2)), ADD(MUL(v2, e4), MUL(v3, e6)));
        dv23 = ADD(ADD(MUL(v0, e1), MUL(v1, e3)), ADD(MUL(v2, e5), MUL(v3, e7)));
        // own entries: (source g, lane 0 of e0), (g+1, lane 1 of e2), (g+2, lane 0 of e5), (g+3, lane 1 of e7)
        e0 = wasm_f64x2_replace_lane(e0, 0, 0.0);
        e2 = wasm_f64x2_replace_lane(e2, 1, 0.0);
        e5 = wasm_f64x2_replace_lane(e5, 0, 0.0);
        e7 = wasm_f64x2_replace_lane(e7, 1, 0.0);
        dg01 = ADD(ADD(MUL(v0, e0), MUL(v1, e2)), ADD(MUL(v2, e4), MUL(v3, e6)));
        dg23 = ADD(ADD(MUL(v0, e1), MUL(v1, e3)), ADD(MUL(v2, e5), MUL(v3, e7)));
        ST(cp, e0); ST(cp + 2, e1); ST(cp + 4, e2); ST(cp + 6, e3);
        ST(cp + 8, e4); ST(cp + 10, e5); ST(cp + 12, e6); ST(cp + 14, e7);
      }
      for (int j = j0; j < J1; j += 2) {  // j0, J1 (and g) are multiples of 4
        if (diag && j == gs) j += 4;
        if (j >= J1) break;
        double* cp = CB(j);
        V e0 = LD(cp), e1 = LD(cp + 2), e2 = LD(cp + 4), e3 = LD(cp + 6);
        vexp4(&e0, &e1, &e2, &e3);
        ST(cp, e0); ST(cp + 2, e1); ST(cp + 4, e2); ST(cp + 6, e3);
        const V va = LDS(v + j), vb = LDS(v + j + 1);
        r01 = ADD(r01, ADD(MUL(va, e0), MUL(vb, e2)));
        r23 = ADD(r23, ADD(MUL(va, e1), MUL(vb, e3)));
      }
      ST(R + g, ADD(LD(R + g), ADD(r01, dv01)));
      ST(R + g + 2, ADD(LD(R + g + 2), ADD(r23, dv23)));
      ST(Rg + g, ADD(LD(Rg + g), ADD(r01, dg01)));
      ST(Rg + g + 2, ADD(LD(Rg + g + 2), ADD(r23, dg23)));
      // transposed contributions to the points of the shared panels q, gp < q < P, in this block
      int q0 = j0 >> 2, q1 = J1 >> 2;
      if (q0 <= gp) q0 = gp + 1;
      if (q1 > P) q1 = P;
      if (gp < P && q0 < q1) {
        const double vg0 = v[g], vg1 = v[g + 1], vg2 = v[g + 2], vg3 = v[g + 3];
        for (int j = 4 * q0; j < 4 * q1; j++) {
          const double* e = CB(j);
          const double t = vg0 * e[0] + vg1 * e[1] + vg2 * e[2] + vg3 * e[3];
          R[j] += t;
          Rg[j] += t;
        }
      }
      if (!grad) continue;
      // phase 3: G[g+k][a] += Σⱼ CB(j)[k] Sv[j][a], 4 points × 4 coordinates per step
      double* g0 = G + (long)g * dp;
      double* g1 = g0 + dp;
      double* g2 = g1 + dp;
      double* g3 = g2 + dp;
      int a = 0;
      for (; a + 4 <= dp; a += 4) {
        V b00 = zero, b01 = zero, b10 = zero, b11 = zero, b20 = zero, b21 = zero, b30 = zero, b31 = zero;
        const double* sp = Sv + (long)j0 * dp + a;
        const double* cp = CB(j0);
        for (int j = j0; j < J1; j++, sp += dp, cp += 4) {
          V s0 = LD(sp), s1 = LD(sp + 2), c;
          c = LDS(cp);     b00 = ADD(b00, MUL(c, s0)); b01 = ADD(b01, MUL(c, s1));
          c = LDS(cp + 1); b10 = ADD(b10, MUL(c, s0)); b11 = ADD(b11, MUL(c, s1));
          c = LDS(cp + 2); b20 = ADD(b20, MUL(c, s0)); b21 = ADD(b21, MUL(c, s1));
          c = LDS(cp + 3); b30 = ADD(b30, MUL(c, s0)); b31 = ADD(b31, MUL(c, s1));
        }
        ST(g0 + a, ADD(LD(g0 + a), b00)); ST(g0 + a + 2, ADD(LD(g0 + a + 2), b01));
        ST(g1 + a, ADD(LD(g1 + a), b10)); ST(g1 + a + 2, ADD(LD(g1 + a + 2), b11));
        ST(g2 + a, ADD(LD(g2 + a), b20)); ST(g2 + a + 2, ADD(LD(g2 + a + 2), b21));
        ST(g3 + a, ADD(LD(g3 + a), b30)); ST(g3 + a + 2, ADD(LD(g3 + a + 2), b31));
      }
      if (a < dp) {
        V b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        const double* sp = Sv + (long)j0 * dp + a;
        const double* cp = CB(j0);
        for (int j = j0; j < J1; j++, sp += dp, cp += 4) {
          V s0 = LD(sp);
          b0 = ADD(b0, MUL(LDS(cp), s0));
          b1 = ADD(b1, MUL(LDS(cp + 1), s0));
          b2 = ADD(b2, MUL(LDS(cp + 2), s0));
          b3 = ADD(b3, MUL(LDS(cp + 3), s0));
        }
        ST(g0 + a, ADD(LD(g0 + a), b0)); ST(g1 + a, ADD(LD(g1 + a), b1));
        ST(g2 + a, ADD(LD(g2 + a), b2)); ST(g3 + a, ADD(LD(g3 + a), b3));
      }
      // transposed: G[4q+l][a] += Σₖ CB(4q+l)[k] Sv[g+k][a] for the shared panels q
      if (gp < P && q0 < q1) {
        const double* u = Sv + (long)g * dp;  // rows g … g+3 of Sv = v·(x − μ) of this group
        const long d1 = dp, d2 = 2 * (long)dp, d3 = 3 * (long)dp;
        for (a = 0; a + 4 <= dp; a += 4) {
          const V u00 = LD(u + a), u01 = LD(u + a + 2), u10 = LD(u + d1 + a), u11 = LD(u + d1 + a + 2);
          const V u20 = LD(u + d2 + a), u21 = LD(u + d2 + a + 2), u30 = LD(u + d3 + a), u31 = LD(u + d3 + a + 2);
          const double* e = CB(4 * q0);
          double* gq = G + (long)(4 * q0) * dp + a;
          for (int j = 4 * q0; j < 4 * q1; j++, e += 4, gq += dp) {
            const V c0 = LDS(e), c1 = LDS(e + 1), c2 = LDS(e + 2), c3 = LDS(e + 3);
            const V t0 = ADD(ADD(MUL(c0, u00), MUL(c1, u10)), ADD(MUL(c2, u20), MUL(c3, u30)));
            const V t1 = ADD(ADD(MUL(c0, u01), MUL(c1, u11)), ADD(MUL(c2, u21), MUL(c3, u31)));
            ST(gq, ADD(LD(gq), t0));
            ST(gq + 2, ADD(LD(gq + 2), t1));
          }
        }
        if (a < dp) {
          const V u0 = LD(u + a), u1 = LD(u + d1 + a), u2 = LD(u + d2 + a), u3 = LD(u + d3 + a);
          const double* e = CB(4 * q0);
          double* gq = G + (long)(4 * q0) * dp + a;
          for (int j = 4 * q0; j < 4 * q1; j++, e += 4, gq += dp) {
            const V t = ADD(ADD(MUL(LDS(e), u0), MUL(LDS(e + 1), u1)), ADD(MUL(LDS(e + 2), u2), MUL(LDS(e + 3), u3)));
            ST(gq, ADD(LD(gq), t));
          }
        }
      }
    }
  }
#undef CB
}

// out [n, d] ← −is2·((xᵢ − μ)·Rgᵢ − Gᵢ) for X [n, d] at xr; out may be xr.
__attribute__((export_name("finish")))
void finish(int n, int d, int dp, const double* xr, const double* mu, const double* G, const double* R, double is2,
            double* out) {
  for (int i = 0; i < n; i++) {
    const double r = R[i];
    for (int a = 0; a < d; a++) {
      const long q = (long)i * d + a;
      out[q] = -is2 * ((xr[q] - mu[a]) * r - G[(long)i * dp + a]);
    }
  }
}
// x[q] ← exp(x[q]) for q < len (len a multiple of 8): exposes vexp4 to the parity tests.
__attribute__((export_name("exp_array")))
void exp_array(double* x, int len) {
  for (int q = 0; q < len; q += 8) {
    V a = LD(x + q), b = LD(x + q + 2), c = LD(x + q + 4), d = LD(x + q + 6);
    vexp4(&a, &b, &c, &d);
    ST(x + q, a); ST(x + q + 2, b); ST(x + q + 4, c); ST(x + q + 6, d);
  }
}

// ---------------------------------------------------------------------------------------
// Single precision (f32x4): the same sums with 4 lanes per vector instead of 2.
//
// Coordinates are centred on the sources' mean μ (in double), then rounded to float; the
// squared distances, the kernel values (vexpf) and the block sums of phases 2 and 3 are in
// float, and each block's sums (≤ BJ sources) are added into double accumulators R, G, so
// the rounding error of a row's sum grows with the block length, not with m. The gradient
// is finished in double by `finish` (G with row stride dp4). No symmetric shortcut: each
// row's sums depend on that row alone (threads may split the rows anywhere).
// ---------------------------------------------------------------------------------------
#define FSPLAT wasm_f32x4_splat
#define FADD wasm_f32x4_add
#define FSUB wasm_f32x4_sub
#define FMUL wasm_f32x4_mul
#define FLDS(p) wasm_v128_load32_splat(p)

// expf(x) for x ≤ 0 on 4 lanes: Cody–Waite reduction x = k·ln2 + r, |r| ≤ ln2/2, and the
// degree-6 Taylor polynomial of eʳ (truncation ≤ 1.2e−7 relative); 0 below −87 (where the
// float result would be subnormal).
static inline V vexpf(V x) {
  const V magic = FSPLAT(12582912.0f);  // 1.5·2²³: adding it rounds to an integer
  const V k = FADD(FMUL(x, FSPLAT(1.44269504f)), magic);
  const V f = FSUB(k, magic);
  const V r = FSUB(FSUB(x, FMUL(f, FSPLAT(0.693359375f))), FMUL(f, FSPLAT(-2.12194440e-4f)));
  V p = FADD(FSPLAT(1.0f / 120), FMUL(r, FSPLAT(1.0f / 720)));
  p = FADD(FSPLAT(1.0f / 24), FMUL(r, p));
  p = FADD(FSPLAT(1.0f / 6), FMUL(r, p));
  p = FADD(FSPLAT(0.5f), FMUL(r, p));
  p = FADD(FSPLAT(1.0f), FMUL(r, p));
  p = FADD(FSPLAT(1.0f), FMUL(r, p));
  const V e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_sub(k, wasm_i32x4_splat(0x4B400000)), wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(FMUL(p, e), wasm_f32x4_lt(x, FSPLAT(-87.0f)));
}

// Float copies for gauss32, from X [n, d] at xr, S [N, d] at sr, v [N], μ (from prep):
// Xr [n4][dp4] rows of x − μ; Sp [N8/4][dp4][4] panels of s − μ (lanes = 4 sources);
// Sv [N8][dp4] rows of v·(s − μ); v32 [N8]; x2 [n4], s2 [N8] squared norms of the float
// rows. Padding rows and coordinates are 0.
__attribute__((export_name("panels32")))
void panels32(int n, int N, int d, int dp4, const double* xr, const double* sr, const double* v, const double* mu,
              float* Xr, float* Sp, float* Sv, float* v32, float* x2, float* s2) {
  const int n4 = (n + 3) & ~3, N8 = (N + 7) & ~7;
  for (int i = 0; i < n4; i++) {
    double s = 0;
    for (int a = 0; a < dp4; a++) {
      const float t = (i < n && a < d) ? (float)(xr[(long)i * d + a] - mu[a]) : 0.0f;
      Xr[(long)i * dp4 + a] = t;
      s += (double)t * t;
    }
    x2[i] = (float)s;
  }
  for (int j = 0; j < N8; j++) {
    const double vj = j < N ? v[j] : 0;
    double s = 0;
    for (int a = 0; a < dp4; a++) {
      const double c = (j < N && a < d) ? sr[(long)j * d + a] - mu[a] : 0;
      const float t = (float)c;
      Sp[(long)(j >> 2) * dp4 * 4 + 4 * a + (j & 3)] = t;
      Sv[(long)j * dp4 + a] = (float)(vj * c);
      s += (double)t * t;
    }
    v32[j] = (float)vj;
    s2[j] = (float)s;
  }
}

// R [n4] = Σⱼ vⱼEᵢⱼ and, if (mode & 1), G [n4][dp4] = Σⱼ Eᵢⱼ vⱼ(sⱼ − μ), Eᵢⱼ = exp(h|xᵢ − sⱼ|²)
// in float, for the float rows of panels32; (mode & 2): direct distances Σₐ(xₐ − sₐ)², else
// |x|² + |s|² − 2x·s clamped at 0. C: scratch [4][BJ] floats, BJ % 8 == 0; N8 % 8 == 0.
__attribute__((export_name("gauss32")))
void gauss32(int n4, int N8, int d, int dp4, const float* Xr, const float* Sp, const float* Sv, const float* v,
             const float* x2, const float* s2, float h, double* G, double* R, float* C, int BJ, int mode) {
  const int grad = mode & 1, direct = mode & 2;
  if (grad)
    for (long i = 0; i < (long)n4 * dp4; i++) G[i] = 0;
  for (int i = 0; i < n4; i++) R[i] = 0;
  const V hv = FSPLAT(h), zero = FSPLAT(0), two = FSPLAT(2.0f);
  float* c0 = C;
  float* c1 = C + BJ;
  float* c2 = C + 2 * BJ;
  float* c3 = C + 3 * BJ;
  for (int J0 = 0; J0 < N8; J0 += BJ) {
    const int J1 = N8 - J0 < BJ ? N8 : J0 + BJ;
    const int L = J1 - J0;
    for (int g = 0; g < n4; g += 4) {
      const float* x0 = Xr + (long)g * dp4;
      const float* x1 = x0 + dp4;
      const float* x2r = x1 + dp4;
      const float* x3 = x2r + dp4;
      // phase 1: c_k[j − J0] = h·|x_{g+k} − s_j|², 4 points × 8 sources per step
      for (int j = J0; j < J1; j += 8) {
        const float* sp0 = Sp + (long)j * dp4;  // panel j/4 starts at (j/4)·dp4·4
        const float* sp1 = sp0 + 4 * (long)dp4;
        V a00 = zero, a01 = zero, a10 = zero, a11 = zero, a20 = zero, a21 = zero, a30 = zero, a31 = zero;
        if (direct) {
          for (int a = 0; a < d; a++) {
            const V s0 = LD(sp0 + 4 * a), s1 = LD(sp1 + 4 * a);
            V x, t;
            x = FLDS(x0 + a); t = FSUB(s0, x); a00 = FADD(a00, FMUL(t, t)); t = FSUB(s1, x); a01 = FADD(a01, FMUL(t, t));
            x = FLDS(x1 + a); t = FSUB(s0, x); a10 = FADD(a10, FMUL(t, t)); t = FSUB(s1, x); a11 = FADD(a11, FMUL(t, t));
            x = FLDS(x2r + a); t = FSUB(s0, x); a20 = FADD(a20, FMUL(t, t)); t = FSUB(s1, x); a21 = FADD(a21, FMUL(t, t));
            x = FLDS(x3 + a); t = FSUB(s0, x); a30 = FADD(a30, FMUL(t, t)); t = FSUB(s1, x); a31 = FADD(a31, FMUL(t, t));
          }
          const int q = j - J0;
          ST(c0 + q, FMUL(hv, a00)); ST(c0 + q + 4, FMUL(hv, a01));
          ST(c1 + q, FMUL(hv, a10)); ST(c1 + q + 4, FMUL(hv, a11));
          ST(c2 + q, FMUL(hv, a20)); ST(c2 + q + 4, FMUL(hv, a21));
          ST(c3 + q, FMUL(hv, a30)); ST(c3 + q + 4, FMUL(hv, a31));
        } else {
          for (int a = 0; a < d; a++) {
            const V s0 = LD(sp0 + 4 * a), s1 = LD(sp1 + 4 * a);
            V x;
            x = FLDS(x0 + a); a00 = FADD(a00, FMUL(s0, x)); a01 = FADD(a01, FMUL(s1, x));
            x = FLDS(x1 + a); a10 = FADD(a10, FMUL(s0, x)); a11 = FADD(a11, FMUL(s1, x));
            x = FLDS(x2r + a); a20 = FADD(a20, FMUL(s0, x)); a21 = FADD(a21, FMUL(s1, x));
            x = FLDS(x3 + a); a30 = FADD(a30, FMUL(s0, x)); a31 = FADD(a31, FMUL(s1, x));
          }
          const V n0 = LD(s2 + j), n1 = LD(s2 + j + 4);
          const int q = j - J0;
#define NS32(acc, sn, k) FMUL(hv, wasm_f32x4_pmax(FSUB(FADD(sn, FLDS(x2 + g + k)), FMUL(two, acc)), zero))
          ST(c0 + q, NS32(a00, n0, 0)); ST(c0 + q + 4, NS32(a01, n1, 0));
          ST(c1 + q, NS32(a10, n0, 1)); ST(c1 + q + 4, NS32(a11, n1, 1));
          ST(c2 + q, NS32(a20, n0, 2)); ST(c2 + q + 4, NS32(a21, n1, 2));
          ST(c3 + q, NS32(a30, n0, 3)); ST(c3 + q + 4, NS32(a31, n1, 3));
#undef NS32
        }
      }
      // phase 2: E = exp(·) in place; R[g+k] += Σⱼ vⱼE (float within the block)
      V r0 = zero, r1 = zero, r2 = zero, r3 = zero;
      for (int q = 0; q < L; q += 4) {
        const V vq = LD(v + J0 + q);
        V e;
        e = vexpf(LD(c0 + q)); ST(c0 + q, e); r0 = FADD(r0, FMUL(vq, e));
        e = vexpf(LD(c1 + q)); ST(c1 + q, e); r1 = FADD(r1, FMUL(vq, e));
        e = vexpf(LD(c2 + q)); ST(c2 + q, e); r2 = FADD(r2, FMUL(vq, e));
        e = vexpf(LD(c3 + q)); ST(c3 + q, e); r3 = FADD(r3, FMUL(vq, e));
      }
#define HSUM(r) (((double)wasm_f32x4_extract_lane(r, 0) + (double)wasm_f32x4_extract_lane(r, 1)) + \
                 ((double)wasm_f32x4_extract_lane(r, 2) + (double)wasm_f32x4_extract_lane(r, 3)))
      R[g] += HSUM(r0);
      R[g + 1] += HSUM(r1);
      R[g + 2] += HSUM(r2);
      R[g + 3] += HSUM(r3);
#undef HSUM
      if (!grad) continue;
      // phase 3: G[g+k][a] += Σⱼ E_kj Sv[j][a], 4 points × 8 coordinates per step
      double* g0 = G + (long)g * dp4;
#define ACC(gp, b)                                                                     \
  do {                                                                                 \
    ST((gp), wasm_f64x2_add(LD(gp), wasm_f64x2_promote_low_f32x4(b)));                 \
    ST((gp) + 2, wasm_f64x2_add(LD((gp) + 2), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(b, b, 2, 3, 2, 3)))); \
  } while (0)
      int a = 0;
      for (; a + 8 <= dp4; a += 8) {
        V b00 = zero, b01 = zero, b10 = zero, b11 = zero, b20 = zero, b21 = zero, b30 = zero, b31 = zero;
        const float* sp = Sv + (long)J0 * dp4 + a;
        for (int q = 0; q < L; q++, sp += dp4) {
          const V s0 = LD(sp), s1 = LD(sp + 4);
          V c;
          c = FLDS(c0 + q); b00 = FADD(b00, FMUL(c, s0)); b01 = FADD(b01, FMUL(c, s1));
          c = FLDS(c1 + q); b10 = FADD(b10, FMUL(c, s0)); b11 = FADD(b11, FMUL(c, s1));
          c = FLDS(c2 + q); b20 = FADD(b20, FMUL(c, s0)); b21 = FADD(b21, FMUL(c, s1));
          c = FLDS(c3 + q); b30 = FADD(b30, FMUL(c, s0)); b31 = FADD(b31, FMUL(c, s1));
        }
        ACC(g0 + a, b00); ACC(g0 + a + 4, b01);
        ACC(g0 + dp4 + a, b10); ACC(g0 + dp4 + a + 4, b11);
        ACC(g0 + 2 * dp4 + a, b20); ACC(g0 + 2 * dp4 + a + 4, b21);
        ACC(g0 + 3 * dp4 + a, b30); ACC(g0 + 3 * dp4 + a + 4, b31);
      }
      if (a < dp4) {
        V b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        const float* sp = Sv + (long)J0 * dp4 + a;
        for (int q = 0; q < L; q++, sp += dp4) {
          const V s0 = LD(sp);
          b0 = FADD(b0, FMUL(FLDS(c0 + q), s0));
          b1 = FADD(b1, FMUL(FLDS(c1 + q), s0));
          b2 = FADD(b2, FMUL(FLDS(c2 + q), s0));
          b3 = FADD(b3, FMUL(FLDS(c3 + q), s0));
        }
        ACC(g0 + a, b0);
        ACC(g0 + dp4 + a, b1);
        ACC(g0 + 2 * dp4 + a, b2);
        ACC(g0 + 3 * dp4 + a, b3);
      }
#undef ACC
    }
  }
}

// exp of floats (x ≤ 0) through vexpf, len a multiple of 4: for the f32 accuracy tests.
__attribute__((export_name("expf_array")))
void expf_array(float* x, int len) {
  for (int q = 0; q < len; q += 4) ST(x + q, vexpf(LD(x + q)));
}
