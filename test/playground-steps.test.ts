/**
 * The playground's pure helpers, in Node: the per-preset × target default steps keep the
 * score-based flows stable (no divergence, the cloud stays near the target samples), and the
 * contour / histogram helpers against closed forms.
 */
import { describe, expect, it } from 'vitest';
import { contourSegments, densityGrid, histogram, marginals } from '../playground/src/contours.js';
import { type Algorithm, fromQuery, needsScore, stepDefaults, TARGETS, toQuery, toSpec } from '../playground/src/settings.js';
import { rng } from '../src/core/rng.js';
import { buildRun } from '../src/spec/build.js';
import { parseSpec } from '../src/spec/schema.js';
import { gaussianTarget } from '../src/targets/gaussian.js';

const named = TARGETS.filter((t) => t !== 'drawn');

describe('default steps per preset and target', () => {
  // 150 steps from N(0, I), n = 100: no divergence, and ≥ 90 % of the particles inside the
  // target samples' bounding box padded by half its size on each side.
  for (const alg of ['langevin', 'svgd', 'ksd-descent', 'birth-death'] as Algorithm[]) {
    it(`${alg} on every named target`, () => {
      for (const target of named) {
        const s = fromQuery(`alg=${alg}&target=${target}&n=100`);
        expect(s.tau).toBe(stepDefaults(alg, target).tau);
        const b = buildRun(parseSpec(toSpec(s, alg)), {});
        let st = b.flow.init(b.mu0);
        for (let t = 0; t < 150; t++) st = b.flow.step(rng(0, t + 1), st)[0];
        const Y = b.Y!;
        const lo = [Infinity, Infinity];
        const hi = [-Infinity, -Infinity];
        for (let i = 0; i < Y.length; i += 2)
          for (let a = 0; a < 2; a++) {
            lo[a] = Math.min(lo[a]!, Y[i + a]!);
            hi[a] = Math.max(hi[a]!, Y[i + a]!);
          }
        const X = st.mu.X;
        let inside = 0;
        for (let i = 0; i < X.length; i += 2) {
          let ok = true;
          for (let a = 0; a < 2; a++) {
            const pad = 0.5 * (hi[a]! - lo[a]!);
            if (!(X[i + a]! >= lo[a]! - pad && X[i + a]! <= hi[a]! + pad)) ok = false;
          }
          if (ok) inside++;
        }
        expect({ alg, target, inside: inside >= 90 }).toEqual({ alg, target, inside: true });
      }
    });
  }
  it('Langevin on the double well: the default is below the step that diverges (τ = 0.03 diverges within 150 steps)', () => {
    const tau = stepDefaults('langevin', 'double-well').tau;
    expect(tau).toBeLessThan(0.03);
    const s = fromQuery('alg=langevin&target=double-well&n=100&tau=0.3');
    const b = buildRun(parseSpec(toSpec(s, 'langevin')), {});
    let st = b.flow.init(b.mu0);
    expect(() => {
      for (let t = 0; t < 150; t++) st = b.flow.step(rng(0, t + 1), st)[0];
    }).toThrow(/diverged/);
  });
  it('τ at its default stays out of the URL and follows the algorithm; a side-by-side run uses its own default', () => {
    const s = fromQuery('alg=langevin&target=banana&alg2=svgd');
    expect(toQuery(s)).not.toMatch(/tau=/);
    expect(toSpec(s, 'svgd').tau).toBe(stepDefaults('svgd', 'banana').tau);
    const u = fromQuery('alg=langevin&target=banana&alg2=svgd&tau=0.02');
    expect(toSpec(u, 'svgd').tau).toBe(0.02);
    expect(needsScore('svgd', s)).toBe(true);
    expect(needsScore('mmd-flow', s)).toBe(false);
    expect(needsScore('custom', { energy: 'mmd' })).toBe(false);
    expect(needsScore('custom', { energy: 'kl' })).toBe(true);
  });
});

describe('contours and histograms', () => {
  it('contours of N(0, σ²I) at max − Δ lie on the circle of radius σ√(2Δ)', () => {
    const sigma = 1.3;
    const t = gaussianTarget({ mean: [0, 0], cov: sigma * sigma });
    const g = densityGrid((X) => t.logDensity(X), { x0: -6, x1: 6, y0: -6, y1: 6 }, 200);
    for (const drop of [0.5, 2, 4]) {
      const S = contourSegments(g, [drop]);
      expect(S.length).toBeGreaterThan(4 * 50);
      // the grid's max is at a cell centre next to 0: the level is max − Δ with max ≈ log π(0) − O(h²)
      const r = sigma * Math.sqrt(2 * drop);
      for (let i = 0; i < S.length; i += 2) expect(Math.abs(Math.hypot(S[i]!, S[i + 1]!) - r)).toBeLessThan(0.02);
    }
  });
  it('marginals of a Gaussian integrate to 1 and peak at 1/(σ√(2π))', () => {
    const t = gaussianTarget({ mean: [1, -1], cov: [0.25, 1] });
    const g = densityGrid((X) => t.logDensity(X), { x0: -7, x1: 7, y0: -7, y1: 7 }, 280);
    const m = marginals(g);
    const h = 14 / 280;
    expect(m.x.reduce((a, b) => a + b, 0) * h).toBeCloseTo(1, 12);
    expect(Math.max(...m.x)).toBeCloseTo(1 / (0.5 * Math.sqrt(2 * Math.PI)), 2);
    expect(Math.max(...m.y)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 2);
  });
  it('the weighted histogram is a density: Σ height·width = mass inside, by hand on 4 points', () => {
    const X = Float64Array.from([0.1, 0, 0.2, 0, 1.5, 0, 9, 0]);
    const w = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
    const hgram = histogram(X, w, 2, 0, 0, 2, 2);
    // bin [0, 1): 0.1 + 0.2; bin [1, 2): 0.3; the point at 9 is outside (mass 0.6 inside)
    expect(hgram[0]).toBeCloseTo(0.3, 14);
    expect(hgram[1]).toBeCloseTo(0.3, 14);
  });
});
