import { InputError } from '../core/errors.js';
import { rng } from '../core/rng.js';
import { bananaTarget } from './banana.js';
import { doubleWellTarget } from './doubleWell.js';
import { donutTarget } from './donut.js';
import { funnelTarget } from './funnel.js';
import { gaussianTarget } from './gaussian.js';
import { buildMixture } from './mixture.js';
import { paperGaussian2d, paperMixture100d, paperMixture2d } from './paper.js';
import type { CovarianceInput } from './parse.js';
import { ringTarget } from './ring.js';
import { samplesTarget } from './samples.js';
import { squiggleTarget } from './squiggle.js';
import type { Target } from './target.js';

/** The target names `makeTarget` knows. */
export const TARGET_NAMES = [
  'gaussian',
  'mixture',
  'banana',
  'double-well',
  'samples',
  'paper-gaussian-2d',
  'paper-mixture-2d',
  'paper-mixture-100d',
  'donut',
  'funnel',
  'squiggle',
  'ring',
] as const;

/** One of `TARGET_NAMES`. */
export type TargetName = (typeof TARGET_NAMES)[number];

/** A covariance in JSON: a variance, a list of d variances, a nested d×d matrix, or d² row-major entries. */
export type CovarianceJson = number | number[] | number[][];

/** A target as plain JSON data, the input of `makeTarget`. */
export type TargetSpec =
  | { name: 'gaussian'; mean?: number[]; cov?: CovarianceJson; d?: number }
  | { name: 'mixture'; weights?: number[]; components: { mean: number[]; cov?: CovarianceJson }[] }
  | { name: 'mixture'; weights?: number[]; means: number[][]; covs?: CovarianceJson[] }
  | { name: 'banana'; d?: number; b?: number; s?: number }
  | { name: 'double-well'; d?: number }
  | { name: 'samples'; samples: number[][] }
  | { name: 'paper-gaussian-2d' }
  | { name: 'paper-mixture-2d' }
  | { name: 'paper-mixture-100d'; seed?: number; d?: number; k?: number; meanNorm?: number; rank?: number }
  | { name: 'donut'; r?: number; s?: number }
  | { name: 'funnel'; s?: number }
  | { name: 'squiggle'; a?: number; omega?: number; s1?: number; s2?: number }
  | { name: 'ring'; k?: number; radius?: number; s?: number };

const KEYS: Record<TargetName, readonly string[]> = {
  gaussian: ['mean', 'cov', 'd'],
  mixture: ['weights', 'components', 'means', 'covs'],
  banana: ['d', 'b', 's'],
  'double-well': ['d'],
  samples: ['samples'],
  'paper-gaussian-2d': [],
  'paper-mixture-2d': [],
  'paper-mixture-100d': ['seed', 'd', 'k', 'meanNorm', 'rank'],
  donut: ['r', 's'],
  funnel: ['s'],
  squiggle: ['a', 'omega', 's1', 's2'],
  ring: ['k', 'radius', 's'],
};

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], field: string, what: string): void {
  for (const key of Object.keys(obj)) {
    if (key === 'name' && what !== 'component') continue;
    if (!allowed.includes(key))
      throw new InputError(
        `${field}.${key}`,
        obj[key],
        allowed.length ? `no such key for ${what} (allowed: ${allowed.join(', ')})` : `no such key for ${what} (it takes none)`,
      );
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/**
 * Builds a `Target` from plain JSON data. The shapes (all keys but `name` optional unless
 * marked required):
 *
 * - `{name: "gaussian", mean?: number[], cov?: Cov, d?}` → `gaussianTarget`; d is taken
 *   from `d`, `mean` or a nested `cov` (they must agree); mean defaults to 0, cov to I.
 *   `Cov` is a variance (number), a list of d variances (diagonal), a nested d×d matrix,
 *   or a flat list of d² entries (row-major).
 * - `{name: "mixture", weights?: number[], components: [{mean, cov?}, …]}` → `mixtureTarget`;
 *   equivalently `{name: "mixture", weights?, means: number[][], covs?: Cov[]}` (parallel
 *   lists; not both shapes at once). Weights default to equal; given weights must be ≥ 0
 *   and sum to 1 (to 1e-9). d comes from the first mean.
 * - `{name: "banana", d? = 2, b? = 0.1, s? = 10}` → `bananaTarget`.
 * - `{name: "double-well", d? = 1}` → `doubleWellTarget`.
 * - `{name: "samples", samples: number[][]}` (required, m rows of d numbers) → `samplesTarget`.
 * - `{name: "paper-gaussian-2d"}`, `{name: "paper-mixture-2d"}` → the IFT paper's 2-D targets.
 * - `{name: "paper-mixture-100d", seed? = 0, d? = 100, k? = 3, meanNorm? = 20, rank? = 10}`
 *   → `paperMixture100d(rng(seed), …)`.
 * - `{name: "donut", r? = 2.5, s? = 0.3}` → `donutTarget` (2-D);
 *   `{name: "funnel", s? = 3}` → `funnelTarget` (Neal's funnel, 2-D);
 *   `{name: "squiggle", a? = 1.5, omega? = 2, s1? = 1.5, s2? = 0.3}` → `squiggleTarget` (2-D);
 *   `{name: "ring", k? = 8, radius? = 3, s? = 0.3}` → `ringTarget` (k Gaussians on a circle, 2-D).
 *
 * Every error is an `InputError` whose field is the JSON path under `field`: an unknown
 * name (the message lists `TARGET_NAMES`), an unknown key, a dimension mismatch
 * (`target.cov[1]`, `target.components[2].mean`), a covariance that is not symmetric
 * positive definite (`target.cov`, `target.covs[1]`), a negative weight
 * (`target.weights[0]`), weights not summing to 1 (`target.weights`), NaN (`target.mean[0]`).
 */
export function makeTarget(spec: unknown, field = 'target'): Target {
  if (!isRecord(spec)) throw new InputError(field, spec, `an object {name, ...} with name one of ${TARGET_NAMES.join(', ')}`);
  const name = spec.name;
  if (typeof name !== 'string' || !(TARGET_NAMES as readonly string[]).includes(name))
    throw new InputError(`${field}.name`, name, `one of ${TARGET_NAMES.join(', ')}`);
  const tn = name as TargetName;
  checkKeys(spec, KEYS[tn], field, `target "${tn}"`);
  switch (tn) {
    case 'gaussian':
      return gaussianTarget({
        mean: spec.mean as ArrayLike<number> | undefined,
        cov: spec.cov as CovarianceInput | undefined,
        d: spec.d as number | undefined,
        field,
      });
    case 'mixture':
      return mixtureFromJson(spec, field);
    case 'banana':
      return bananaTarget({ d: spec.d as number, b: spec.b as number, s: spec.s as number, field });
    case 'double-well':
      return doubleWellTarget({ d: spec.d as number, field });
    case 'samples':
      return samplesFromJson(spec.samples, `${field}.samples`);
    case 'paper-gaussian-2d':
      return paperGaussian2d();
    case 'paper-mixture-2d':
      return paperMixture2d();
    case 'paper-mixture-100d': {
      const seed = spec.seed ?? 0;
      if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
        throw new InputError(`${field}.seed`, seed, 'an integer in [0, 2^32)');
      const num = (k: string): number | undefined => {
        const v = spec[k];
        if (v !== undefined && typeof v !== 'number') throw new InputError(`${field}.${k}`, v, 'a number');
        return v;
      };
      return paperMixture100d(rng(seed), { d: num('d'), k: num('k'), meanNorm: num('meanNorm'), rank: num('rank'), field });
    }
    case 'donut':
      return donutTarget({ r: spec.r as number, s: spec.s as number, field });
    case 'funnel':
      return funnelTarget({ s: spec.s as number, field });
    case 'squiggle':
      return squiggleTarget({ a: spec.a as number, omega: spec.omega as number, s1: spec.s1 as number, s2: spec.s2 as number, field });
    case 'ring':
      return ringTarget({ k: spec.k as number, radius: spec.radius as number, s: spec.s as number, field });
  }
}

function mixtureFromJson(spec: Record<string, unknown>, field: string): Target {
  const hasComponents = spec.components !== undefined;
  const hasMeans = spec.means !== undefined || spec.covs !== undefined;
  if (hasComponents && hasMeans)
    throw new InputError(`${field}.components`, spec.components, 'either components or means/covs, not both');
  if (hasComponents) {
    const comps = spec.components;
    if (!Array.isArray(comps) || comps.length === 0)
      throw new InputError(`${field}.components`, comps, 'a non-empty list of {mean, cov?} objects');
    const means: unknown[] = [];
    const covs: unknown[] = [];
    comps.forEach((c: unknown, k: number) => {
      const cf = `${field}.components[${k}]`;
      if (!isRecord(c)) throw new InputError(cf, c, 'an object {mean, cov?}');
      checkKeys(c, ['mean', 'cov'], cf, 'component');
      if (c.mean === undefined) throw new InputError(`${cf}.mean`, undefined, 'a list of numbers (required)');
      means.push(c.mean);
      covs.push(c.cov);
    });
    return buildMixture(spec.weights, means, covs, {
      weights: `${field}.weights`,
      components: `${field}.components`,
      mean: (k) => `${field}.components[${k}].mean`,
      cov: (k) => `${field}.components[${k}].cov`,
    });
  }
  const means = spec.means;
  if (!Array.isArray(means) || means.length === 0)
    throw new InputError(`${field}.means`, means, 'a non-empty list of mean vectors (or give components)');
  const covs = spec.covs;
  if (covs !== undefined && (!Array.isArray(covs) || covs.length !== means.length))
    throw new InputError(`${field}.covs`, covs, `a list of ${means.length} covariances, one per mean`);
  return buildMixture(spec.weights, means, covs ?? [], {
    weights: `${field}.weights`,
    components: `${field}.means`,
    mean: (k) => `${field}.means[${k}]`,
    cov: (k) => `${field}.covs[${k}]`,
  });
}

function samplesFromJson(rows: unknown, field: string): Target {
  if (!Array.isArray(rows) || rows.length === 0) throw new InputError(field, rows, 'a non-empty list of rows (number[][])');
  const r0: unknown = rows[0];
  if (!Array.isArray(r0) || r0.length === 0) throw new InputError(`${field}[0]`, r0, 'a non-empty list of numbers');
  const d = r0.length;
  const Y = new Float64Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    const row: unknown = rows[i];
    if (!Array.isArray(row) || row.length !== d)
      throw new InputError(`${field}[${i}]`, row, `a row of ${d} numbers (d from ${field}[0])`);
    for (let a = 0; a < d; a++) {
      const v: unknown = row[a];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${field}[${i}][${a}]`, v, 'a finite number');
      Y[i * d + a] = v;
    }
  }
  return samplesTarget(Y, d, { field });
}
