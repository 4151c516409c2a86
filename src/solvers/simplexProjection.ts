import { InputError } from '../core/errors.js';
import { checkAllFinite, checkPositive } from '../core/validate.js';

function checkVector(field: string, v: unknown): Float64Array {
  if (!(v instanceof Float64Array)) throw new InputError(field, v, 'a Float64Array');
  if (v.length === 0) throw new InputError(`${field}.length`, 0, 'at least one entry');
  checkAllFinite(field, v);
  return v;
}

function checkOut(out: unknown, n: number): Float64Array {
  if (!(out instanceof Float64Array)) throw new InputError('out', out, 'a Float64Array');
  if (out.length !== n) throw new InputError('out.length', out.length, `${n} (the length of v)`);
  return out;
}

/**
 * Euclidean projection onto the scaled simplex Δ(m) = {β ∈ ℝⁿ : βᵢ ≥ 0, Σᵢβᵢ = m}:
 *
 *   Proj(v) = argmin_{β ∈ Δ(m)} ‖β − v‖²  =  max(v − θ, 0)  (entrywise),
 *
 * where θ is the unique number with Σᵢ max(vᵢ − θ, 0) = m. θ is found by the sort-based
 * algorithm (Held–Wolfe–Crowder 1974; Duchi et al. 2008, Fig. 1): sort u = v descending,
 * ρ = max{j : u_j − (Σ_{i≤j} uᵢ − m)/j > 0}, θ = (Σ_{i≤ρ} uᵢ − m)/ρ.
 * Cost O(n log n) time, O(n) extra memory.
 *
 * @param v    the point `[n]` (finite).
 * @param out  optional output `[n]` (may be `v` itself); a new array otherwise.
 * @param mass m > 0, default 1.
 * @returns the projection `[n]`; its entries sum to m up to rounding (≈ n·ε·m).
 * @throws InputError naming `v`, `out` or `mass` on bad input.
 */
export function projectSimplex(v: Float64Array, out?: Float64Array, mass = 1): Float64Array {
  checkVector('v', v);
  checkPositive('mass', mass);
  const n = v.length;
  const res = out === undefined ? new Float64Array(n) : checkOut(out, n);
  const theta = simplexThreshold(v, mass);
  for (let i = 0; i < n; i++) {
    const t = v[i]! - theta;
    res[i] = t > 0 ? t : 0;
  }
  return res;
}

/**
 * The threshold θ of the simplex projection, Σᵢ max(vᵢ − θ, 0) = m (no validation).
 * Exported for tests and for callers that need the multiplier of the projection.
 */
export function simplexThreshold(v: Float64Array, mass: number): number {
  const n = v.length;
  const u = Float64Array.from(v).sort(); // ascending (typed-array sort is numeric)
  let cum = 0;
  let theta = u[n - 1]! - mass; // ρ = 1 always qualifies
  for (let j = 1; j <= n; j++) {
    const uj = u[n - j]!;
    cum += uj;
    const t = (cum - mass) / j;
    if (uj - t > 0) theta = t; // ρ = the largest such j (a prefix in exact arithmetic)
  }
  return theta;
}

/**
 * Euclidean projection onto the non-negative orthant: Proj(v)ᵢ = max(vᵢ, 0).
 *
 * @param v   the point `[n]` (finite).
 * @param out optional output `[n]` (may be `v` itself).
 * @throws InputError naming `v` or `out`.
 */
export function projectOrthant(v: Float64Array, out?: Float64Array): Float64Array {
  checkVector('v', v);
  const n = v.length;
  const res = out === undefined ? new Float64Array(n) : checkOut(out, n);
  for (let i = 0; i < n; i++) {
    const t = v[i]!;
    res[i] = t > 0 ? t : 0;
  }
  return res;
}
