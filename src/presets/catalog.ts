/**
 * What each preset is, as a triple plus a scheme — the line `measureflow presets` prints —
 * and a runnable example run spec for each (`measureflow init PRESET`). Plain data, so the
 * CLI, the docs and the tests read the same thing. The example specs use named
 * distributions only (no files), so they run from an installed package.
 */
import type { PresetName } from './index.js';
import { PRESET_NAMES } from './index.js';

/** A preset as space · energy · geometry · scheme, with a one-line summary and its source. */
export interface PresetInfo {
  space: string;
  energy: string;
  geometry: string;
  scheme: string;
  summary: string;
}

/** Every preset's `PresetInfo`, by name. */
export const PRESET_INFO: Readonly<Record<PresetName, PresetInfo>> = {
  langevin: { space: 'P', energy: 'KL(µ‖π)', geometry: 'Wasserstein', scheme: 'Euler–Maruyama (mala: Metropolis-adjusted)', summary: 'unadjusted Langevin / MALA' },
  svgd: { space: 'P', energy: 'KL(µ‖π)', geometry: 'Stein', scheme: 'explicit', summary: 'Stein variational gradient descent (Liu & Wang 2016)' },
  'mmd-flow': { space: 'P', energy: '½MMD²', geometry: 'Wasserstein', scheme: 'explicit (+ noise injection)', summary: 'MMD flow (Arbel et al. 2019)' },
  'ksd-descent': { space: 'P', energy: '½KSD²', geometry: 'Wasserstein', scheme: 'explicit', summary: 'KSD descent (Korba et al. 2021)' },
  ift: { space: 'P', energy: '½MMD²', geometry: 'spherical IFT (Wasserstein + MMD)', scheme: 'splitting: W step, then MMD weight step (exact QP or pgd)', summary: 'IFT gradient descent (Gladin et al. 2024)' },
  wfr: { space: 'P', energy: '½MMD²', geometry: 'WFR (Wasserstein + Fisher-Rao)', scheme: 'splitting: W step, then KL-mirror weight step', summary: 'Wasserstein–Fisher-Rao gradient descent' },
  'birth-death': { space: 'P', energy: 'KL(µ‖π)', geometry: 'WFR', scheme: 'splitting: Langevin step, then Fisher-Rao step with ξ = log ρ̂ + V', summary: 'birth–death Langevin (Lu et al. 2019)' },
  'inclusive-kl-mirror': { space: 'P', energy: 'kernelized KL(π‖µ)', geometry: 'Fisher-Rao', scheme: 'explicit mirror (weights only)', summary: 'inclusive-KL mirror descent' },
  'fisher-rao': { space: 'P', energy: '½MMD²', geometry: 'spherical MMD on the union of supports', scheme: 'exact (implicit) weight steps', summary: 'Fisher-Rao flow, checked against its closed form' },
  'nw-force': { space: 'P', energy: '½MMD² (Nadaraya–Watson force)', geometry: 'Wasserstein', scheme: 'explicit', summary: 'MMD flow with the Nadaraya–Watson force' },
  'mckean-vlasov': { space: 'P', energy: '∫V + ½∬W + ∫U', geometry: 'Wasserstein', scheme: 'explicit (noise or blob entropy)', summary: 'McKean–Vlasov / porous medium' },
  'score-ift': { space: 'P', energy: '½KSD²', geometry: 'spherical IFT (Wasserstein + MMD)', scheme: 'splitting: W step, then weight step (pgd, or exact in the Stein kernel geometry)', summary: 'score-based IFT: IFT for targets known by their score' },
};

/** `space · energy · geometry · scheme` of a preset, one line. */
export function presetLine(name: PresetName): string {
  const p = PRESET_INFO[name];
  return `${p.space} · ${p.energy} · ${p.geometry} · ${p.scheme}`;
}

/** Algorithm-specific fields of the example specs (besides target, init, kernel, steps, seed, record, out). */
const EXAMPLE_FIELDS: Readonly<Record<PresetName, Record<string, unknown>>> = {
  langevin: { tau: 0.05, steps: 400 },
  svgd: { tau: 0.2, steps: 400 },
  'mmd-flow': { tau: 2, steps: 400, noise: { level: 0.5, until: 200 } },
  'ksd-descent': { tau: 0.2, steps: 400 },
  ift: { tau: 2, eta: 0.1, steps: 400, variant: 'exact' },
  wfr: { tau: 2, eta: 2, steps: 400 },
  'birth-death': { tau: 0.05, eta: 0.05, steps: 400, bandwidth: 0.3 },
  'inclusive-kl-mirror': { eta: 5, steps: 200 },
  'fisher-rao': { eta: 0.05, steps: 100 },
  'nw-force': { tau: 0.2, steps: 400 },
  'score-ift': { tau: 0.2, eta: 0.005, steps: 300, variant: 'pgd' },
  'mckean-vlasov': {
    tau: 0.05,
    steps: 400,
    potential: { kind: 'target' },
    interaction: { kind: 'kernel', kernel: { kind: 'gaussian', sigma: 0.5 }, scale: 0.2 },
    internal: { kind: 'porous', m: 2, temperature: 1, bandwidth: 0.3 },
  },
};

/**
 * A runnable run spec for a preset: the IFT paper's 2-D Gaussian target N(0, [[1, ½], [½, 2]])
 * by name (200 samples where the energy needs samples), 200 particles from N((2, 2), ½I)
 * (inclusive-kl-mirror: N(0, 4I), a cloud that covers the target, since it only reweights),
 * the Gaussian kernel σ = 1, step sizes that converge, results in `out`.
 */
export function exampleSpec(name: PresetName, out = `out/${name}`): Record<string, unknown> {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) throw new Error(`unknown preset ${name}`);
  const init = name === 'inclusive-kl-mirror' ? { name: 'gaussian', mean: [0, 0], cov: 4, n: 200 } : { name: 'gaussian', mean: [2, 2], cov: 0.5, n: 200 };
  return {
    algorithm: name,
    target: { name: 'paper-gaussian-2d', m: 200 },
    init,
    kernel: { kind: 'gaussian', sigma: 1 },
    seed: 0,
    record: { every: 10, metrics: name === 'fisher-rao' ? ['energy', 'mmd'] : ['energy', 'mmd', 'ksd'] },
    ...(JSON.parse(JSON.stringify(EXAMPLE_FIELDS[name])) as Record<string, unknown>),
    out,
  };
}
