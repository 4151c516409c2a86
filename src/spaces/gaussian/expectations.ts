/**
 * Expectations E_µ[f(X)] under a Gaussian µ = N(m, Σ) with Σ = L·Lᵀ, by a deterministic
 * cubature rule or by Monte Carlo with the explicit generator.
 *
 * - `cubature` (default): the symmetric 2d-point rule X = m ± √d·L·eᵢ, weights 1/(2d).
 *   It integrates every polynomial of degree ≤ 3 exactly (so E[∇V] and E[V] are exact for a
 *   Gaussian target), is deterministic, and costs 2d score evaluations per step.
 * - `monte-carlo`: `samples` draws X = m + L·z, z ∼ N(0, I), in antithetic pairs (z, −z), so
 *   odd moments cancel exactly; unbiased, with error O(samples^{-1/2}).
 */
import { InputError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';

/** How expectations under the Gaussian are computed. */
export type GaussianExpectations = { kind: 'cubature' } | { kind: 'monte-carlo'; samples: number };

/** Standardised nodes Z [q, d] (X = m + L·z) and their weights [q] (summing to 1). */
export interface GaussianNodes {
  Z: Float64Array;
  X: Float64Array;
  weights: Float64Array;
  q: number;
}

/** Checks an expectations option and fills the default (`cubature`). */
export function resolveExpectations(e: GaussianExpectations | undefined, field = 'expectations'): GaussianExpectations {
  if (e === undefined) return { kind: 'cubature' };
  if (e === null || typeof e !== 'object') throw new InputError(field, e, "{kind: 'cubature'} or {kind: 'monte-carlo', samples}");
  if (e.kind === 'cubature') return { kind: 'cubature' };
  if (e.kind === 'monte-carlo') {
    const s = e.samples;
    if (!Number.isInteger(s) || s < 2 || s % 2 !== 0) throw new InputError(`${field}.samples`, s, 'an even integer >= 2 (antithetic pairs)');
    return { kind: 'monte-carlo', samples: s };
  }
  throw new InputError(`${field}.kind`, (e as { kind: unknown }).kind, "'cubature' or 'monte-carlo'");
}

/** Nodes of the rule for N(m, L·Lᵀ); `r` is used only by Monte Carlo. */
export function gaussianNodes(rule: GaussianExpectations, m: Float64Array, L: Float64Array, d: number, r: Rng): GaussianNodes {
  let Z: Float64Array;
  let q: number;
  if (rule.kind === 'cubature') {
    q = 2 * d;
    Z = new Float64Array(q * d);
    const s = Math.sqrt(d);
    for (let i = 0; i < d; i++) {
      Z[2 * i * d + i] = s;
      Z[(2 * i + 1) * d + i] = -s;
    }
  } else {
    q = rule.samples;
    Z = new Float64Array(q * d);
    for (let k = 0; k < q; k += 2) {
      for (let a = 0; a < d; a++) {
        const z = r.normal();
        Z[k * d + a] = z;
        Z[(k + 1) * d + a] = -z;
      }
    }
  }
  const X = new Float64Array(q * d);
  for (let k = 0; k < q; k++) {
    for (let a = 0; a < d; a++) {
      let s = m[a]!;
      for (let b = 0; b <= a; b++) s += L[a * d + b]! * Z[k * d + b]!;
      X[k * d + a] = s;
    }
  }
  return { Z, X, weights: new Float64Array(q).fill(1 / q), q };
}
