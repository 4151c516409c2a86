import { describe, expect, it } from 'vitest';
import { kernelSumGrad } from '../src/backend/kernelSums.js';
import { rng } from '../src/core/rng.js';
import { type Kernel, kernelProfile, kernelValue } from '../src/kernels/kernel.js';

const kernels: Kernel[] = [
  { kind: 'gaussian', sigma: 0.8 },
  { kind: 'imq', sigma: 1.3 },
  { kind: 'imq', sigma: 0.7, beta: 1.5 },
  { kind: 'laplace', sigma: 0.9 },
  { kind: 'matern32', sigma: 1.1 },
  { kind: 'energy' },
  { kind: 'energy', beta: 1.5 },
];

const kxy = (ker: Kernel, x: number[], y: number[]) => kernelValue(ker, x.reduce((s, xi, a) => s + (xi - y[a]!) ** 2, 0));

describe('kernel derivatives against central finite differences', () => {
  const d = 3;
  const r = rng(1);
  const x = Array.from({ length: d }, () => r.normal());
  const y = Array.from({ length: d }, () => r.normal());
  const h = 1e-5;
  for (const ker of kernels) {
    it(`${JSON.stringify(ker)}: ∇x k and ∇y k`, () => {
      const s = x.reduce((acc, xi, a) => acc + (xi - y[a]!) ** 2, 0);
      const p = kernelProfile(ker, s, d);
      expect(p.k).toBeCloseTo(kxy(ker, x, y), 14);
      for (let a = 0; a < d; a++) {
        const xp = x.slice();
        const xm = x.slice();
        xp[a]! += h;
        xm[a]! -= h;
        const fdx = (kxy(ker, xp, y) - kxy(ker, xm, y)) / (2 * h);
        expect(p.c * (x[a]! - y[a]!)).toBeCloseTo(fdx, 7);
        const yp = y.slice();
        const ym = y.slice();
        yp[a]! += h;
        ym[a]! -= h;
        const fdy = (kxy(ker, x, yp) - kxy(ker, x, ym)) / (2 * h);
        expect(-p.c * (x[a]! - y[a]!)).toBeCloseTo(fdy, 7);
      }
    });
    it(`${JSON.stringify(ker)}: tr ∇x∇y k`, () => {
      // mixed second derivative Σ_a ∂²k/∂x_a∂y_a by a 4-point stencil
      const hh = 1e-4;
      let tr = 0;
      for (let a = 0; a < d; a++) {
        const f = (dx: number, dy: number) => {
          const xx = x.slice();
          const yy = y.slice();
          xx[a]! += dx;
          yy[a]! += dy;
          return kxy(ker, xx, yy);
        };
        tr += (f(hh, hh) - f(hh, -hh) - f(-hh, hh) + f(-hh, -hh)) / (4 * hh * hh);
      }
      const s = x.reduce((acc, xi, a) => acc + (xi - y[a]!) ** 2, 0);
      expect(kernelProfile(ker, s, d).trace).toBeCloseTo(tr, 4);
    });
  }
});

describe('kernelSumGrad', () => {
  it('equals the direct double sum for every kernel', () => {
    const r = rng(2);
    const d = 4;
    const n = 7;
    const m = 9;
    const X = r.fillNormal(new Float64Array(n * d));
    const Y = r.fillNormal(new Float64Array(m * d));
    const v = r.fillNormal(new Float64Array(m));
    for (const ker of kernels) {
      const val = new Float64Array(n);
      const grad = new Float64Array(n * d);
      kernelSumGrad(ker, X, Y, d, v, val, grad);
      for (let i = 0; i < n; i++) {
        let acc = 0;
        const g = new Array(d).fill(0);
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let a = 0; a < d; a++) s += (X[i * d + a]! - Y[j * d + a]!) ** 2;
          const p = kernelProfile(ker, s, d);
          acc += v[j]! * p.k;
          for (let a = 0; a < d; a++) g[a] += v[j]! * p.c * (X[i * d + a]! - Y[j * d + a]!);
        }
        expect(val[i]).toBeCloseTo(acc, 12);
        for (let a = 0; a < d; a++) expect(grad[i * d + a]).toBeCloseTo(g[a], 12);
      }
    }
  });
});
