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

static inline V vexp(V x) {
  const V magic = SPLAT(6755399441055744.0);
  V km = ADD(MUL(x, SPLAT(1.44269504088896338700e+00)), magic);
  V kf = SUB(km, magic);
  V hi = SUB(x, MUL(kf, SPLAT(6.93147180369123816490e-01)));
  V lo = MUL(kf, SPLAT(1.90821492927058770002e-10));
  V r = SUB(hi, lo);
  V t = MUL(r, r);
  V p = ADD(SPLAT(-1.65339022054652515390e-06), MUL(t, SPLAT(4.13813679705723846039e-08)));
  p = ADD(SPLAT(6.61375632143793436117e-05), MUL(t, p));
  p = ADD(SPLAT(-2.77777777770155933842e-03), MUL(t, p));
  p = ADD(SPLAT(1.66666666666666019037e-01), MUL(t, p));
  V c = SUB(r, MUL(t, p));
  V y = SUB(SPLAT(1.0), SUB(SUB(lo, wasm_f64x2_div(MUL(r, c), SUB(SPLAT(2.0), c))), hi));
  V sc = wasm_i64x2_shl(wasm_i64x2_add(km, wasm_i64x2_splat(1023)), 52);
  return wasm_v128_andnot(MUL(y, sc), wasm_f64x2_lt(x, SPLAT(-708.39641853226408)));
}

// Xp [n4/4][dp][4] point panels, Sp [N4/4][dp][4] source panels, S [N4][dp] rows.
// C scratch [BJ][4]. G [n4][dp], R [n4] accumulated (zeroed here).
__attribute__((export_name("gauss")))
void gauss(int n4, int N4, int dp, const double* Xp, const double* Sp, const double* S, const double* v,
           const double* x2, const double* s2, double h, double* G, double* R, double* C, int BJ, int mode) {
  const int grad = mode & 1, direct = mode & 2;
  for (int i = 0; i < n4 * dp; i++) G[i] = 0;
  for (int i = 0; i < n4; i++) R[i] = 0;
  const V hv = SPLAT(h);
  const V zero = SPLAT(0);
  for (int J0 = 0; J0 < N4; J0 += BJ) {
    const int bj = N4 - J0 < BJ ? N4 - J0 : BJ;
    for (int g = 0; g < n4; g += 4) {
      const double* xp = Xp + (long)g * dp;
      // phase 1: h * squared distances of 4 points x 4 sources at a time, into C[j][k]
      for (int jj = 0; jj < bj && !(mode & 4); jj += 4) {
        const double* sp = Sp + (long)(J0 + jj) * dp;
        V a00 = zero, a01 = zero, a02 = zero, a03 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero;
        if (direct) {
          for (int a = 0; a < dp; a++) {
            V x01 = LD(xp + 4 * a), x23 = LD(xp + 4 * a + 2), s, t;
            s = LDS(sp + 4 * a);     t = SUB(x01, s); a00 = ADD(a00, MUL(t, t)); t = SUB(x23, s); a10 = ADD(a10, MUL(t, t));
            s = LDS(sp + 4 * a + 1); t = SUB(x01, s); a01 = ADD(a01, MUL(t, t)); t = SUB(x23, s); a11 = ADD(a11, MUL(t, t));
            s = LDS(sp + 4 * a + 2); t = SUB(x01, s); a02 = ADD(a02, MUL(t, t)); t = SUB(x23, s); a12 = ADD(a12, MUL(t, t));
            s = LDS(sp + 4 * a + 3); t = SUB(x01, s); a03 = ADD(a03, MUL(t, t)); t = SUB(x23, s); a13 = ADD(a13, MUL(t, t));
          }
          double* cp = C + jj * 4;
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
          double* cp = C + jj * 4;
          const double* sn = s2 + J0 + jj;
#define NS(acc, nx, l) MUL(hv, wasm_f64x2_pmax(SUB(ADD(nx, LDS(sn + l)), ADD(acc, acc)), zero))
          ST(cp, NS(a00, n01, 0)); ST(cp + 2, NS(a10, n23, 0));
          ST(cp + 4, NS(a01, n01, 1)); ST(cp + 6, NS(a11, n23, 1));
          ST(cp + 8, NS(a02, n01, 2)); ST(cp + 10, NS(a12, n23, 2));
          ST(cp + 12, NS(a03, n01, 3)); ST(cp + 14, NS(a13, n23, 3));
        }
      }
      // phase 2: c = v_j exp(h s), row sums
      V r01 = zero, r23 = zero;
      {
        const double* vp = v + J0;
        for (int j = 0; j < bj && !(mode & 8); j++) {
          V vj = LDS(vp + j);
          V c0 = MUL(vj, vexp(LD(C + 4 * j))), c1 = MUL(vj, vexp(LD(C + 4 * j + 2)));
          ST(C + 4 * j, c0); ST(C + 4 * j + 2, c1);
          r01 = ADD(r01, c0); r23 = ADD(r23, c1);
        }
      }
      ST(R + g, ADD(LD(R + g), r01)); ST(R + g + 2, ADD(LD(R + g + 2), r23));
      if (!grad) continue;
      // phase 3: G[g+k][a] += sum_j c_kj S[j][a]
      double* g0 = G + (long)g * dp;
      double* g1 = g0 + dp;
      double* g2 = g1 + dp;
      double* g3 = g2 + dp;
      int a = 0;
      for (; a + 4 <= dp; a += 4) {
        V b00 = zero, b01 = zero, b10 = zero, b11 = zero, b20 = zero, b21 = zero, b30 = zero, b31 = zero;
        const double* sp = S + (long)J0 * dp + a;
        const double* cp = C;
        for (int j = 0; j < bj; j++, sp += dp, cp += 4) {
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
        const double* sp = S + (long)J0 * dp + a;
        const double* cp = C;
        for (int j = 0; j < bj; j++, sp += dp, cp += 4) {
          V s0 = LD(sp);
          b0 = ADD(b0, MUL(LDS(cp), s0)); b1 = ADD(b1, MUL(LDS(cp + 1), s0));
          b2 = ADD(b2, MUL(LDS(cp + 2), s0)); b3 = ADD(b3, MUL(LDS(cp + 3), s0));
        }
        ST(g0 + a, ADD(LD(g0 + a), b0)); ST(g1 + a, ADD(LD(g1 + a), b1));
        ST(g2 + a, ADD(LD(g2 + a), b2)); ST(g3 + a, ADD(LD(g3 + a), b3));
      }
    }
  }
}
