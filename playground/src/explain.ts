/**
 * A short explanation of each algorithm for the page: its triple (space · energy · geometry ·
 * scheme, from the library's preset catalog) and its update rule as HTML. ξ = δF/δµ is the
 * first variation of the energy F at the current µ = Σᵢ wᵢ δ_{xᵢ}; π̂ = (1/m)Σⱼ δ_{yⱼ} are the
 * target samples, ∇log π the target's score.
 */
import { PRESET_INFO } from '../../src/presets/catalog.js';
import type { Algorithm, Settings } from './settings.js';

const XI_MMD = 'ξ(x) = Σ<sub>j</sub> w<sub>j</sub> k(x, x<sub>j</sub>) − (1/m) Σ<sub>l</sub> k(x, y<sub>l</sub>)';
const W_STEP = 'x<sub>i</sub> ← x<sub>i</sub> − τ ∇ξ(x<sub>i</sub>)';

/** The update rule of each preset (HTML). */
const RULES: Record<Exclude<Algorithm, 'custom'>, string> = {
  'mmd-flow': `${W_STEP}, &nbsp; ${XI_MMD}<br>(with noise: ∇ξ taken at x<sub>i</sub> + level·u<sub>i</sub>, u<sub>i</sub> ~ N(0, I), until the given step)`,
  ift: `1. ${W_STEP} (MMD flow step)<br>2. w ← argmin<sub>β ∈ Δ</sub> F(Σβ<sub>i</sub>δ<sub>x<sub>i</sub></sub>) + (1/2η) MMD²(β, w) &nbsp; (a QP; “projected gradient”: w ← Proj<sub>Δ</sub>(w − η ξ))<br>${XI_MMD}`,
  wfr: `1. ${W_STEP}<br>2. w<sub>i</sub> ← w<sub>i</sub> e<sup>−η ξ(x<sub>i</sub>)</sup> / Z &nbsp; (Fisher-Rao mirror step, Z keeps Σw = 1)<br>${XI_MMD}`,
  svgd: 'x<sub>i</sub> ← x<sub>i</sub> + τ Σ<sub>j</sub> w<sub>j</sub> [ k(x<sub>j</sub>, x<sub>i</sub>) ∇log π(x<sub>j</sub>) + ∇<sub>x<sub>j</sub></sub> k(x<sub>j</sub>, x<sub>i</sub>) ]<br>(kernel-smoothed score: attraction to high density + repulsion between particles)',
  langevin: 'x<sub>i</sub> ← x<sub>i</sub> + τ ∇log π(x<sub>i</sub>) + √(2τ) z<sub>i</sub>, &nbsp; z<sub>i</sub> ~ N(0, I)<br>(unadjusted: stable only for τ small against the curvature of log π)',
  'ksd-descent': `${W_STEP}, &nbsp; F = ½ KSD²(µ, π) = ½ Σ<sub>i,j</sub> w<sub>i</sub> w<sub>j</sub> k<sub>π</sub>(x<sub>i</sub>, x<sub>j</sub>)<br>(k<sub>π</sub> the Stein kernel built from k and ∇log π)`,
  'birth-death': '1. x<sub>i</sub> ← x<sub>i</sub> + τ ∇log π(x<sub>i</sub>) + √(2τ) z<sub>i</sub> (Langevin)<br>2. w<sub>i</sub> ← w<sub>i</sub> e<sup>−η ξ(x<sub>i</sub>)</sup> / Z, &nbsp; ξ = log ρ̂ − log π (ρ̂ a kernel density estimate of µ)',
  'inclusive-kl-mirror': 'w<sub>i</sub> ← w<sub>i</sub> e<sup>−η ξ(x<sub>i</sub>)</sup> / Z, positions fixed, ξ the kernelized first variation of KL(π‖µ)<br>(only reweights: the cloud must cover the target)',
  'fisher-rao': 'w ← argmin<sub>β ∈ Δ</sub> ½MMD²(β, π̂) + (1/2η) MMD²(β, w) on the union of the supports of µ₀ and π̂ (exact weight step)',
  'nw-force': `${W_STEP}, &nbsp; ξ(x) = [Σ<sub>j</sub> w<sub>j</sub> k(x, x<sub>j</sub>) − (1/m) Σ<sub>l</sub> k(x, y<sub>l</sub>)] / Σ<sub>j</sub> w<sub>j</sub> k(x, x<sub>j</sub>)<br>(Nadaraya–Watson force: the MMD witness divided by the particles' kernel density)`,
};

const ENERGY_TEXT: Record<Settings['energy'], string> = {
  mmd: '½MMD²(µ, π̂)',
  'inclusive-kl': 'kernelized KL(π‖µ)',
  kl: 'KL(µ‖π)',
  ksd: '½KSD²(µ, π)',
};

/** Title, one-line triple and update rule (HTML) of an algorithm with the current settings. */
export function explain(alg: Algorithm, s: Settings): { title: string; triple: string; rule: string } {
  if (alg === 'custom') {
    const parts: string[] = [];
    if (s.transport === 'wasserstein') parts.push('transport (Wasserstein): x<sub>i</sub> ← x<sub>i</sub> − τ ∇ξ(x<sub>i</sub>)');
    if (s.transport === 'stein') parts.push('transport (Stein): x<sub>i</sub> ← x<sub>i</sub> − τ Σ<sub>j</sub> w<sub>j</sub> k(x<sub>i</sub>, x<sub>j</sub>) ∇ξ(x<sub>j</sub>)');
    if (s.reaction === 'fisher-rao') parts.push('reaction (Fisher-Rao): w<sub>i</sub> ← w<sub>i</sub> e<sup>−η ξ(x<sub>i</sub>)</sup> / Z');
    if (s.reaction === 'mmd') parts.push('reaction (spherical MMD): w ← argmin<sub>β ∈ Δ</sub> F(β) + (1/2η) MMD²(β, w)');
    const geometry = [s.transport !== 'none' ? s.transport : '', s.reaction !== 'none' ? s.reaction : ''].filter(Boolean).join(' + ') || 'none';
    return {
      title: 'custom flow',
      triple: `P · ${ENERGY_TEXT[s.energy]} · ${geometry}`,
      rule: `${parts.join('<br>') || 'no transport and no reaction: nothing moves'}<br>ξ = δF/δµ, F = ${ENERGY_TEXT[s.energy]}`,
    };
  }
  const info = PRESET_INFO[alg];
  return { title: info.summary, triple: `${info.space} · ${info.energy} · ${info.geometry} · ${info.scheme}`, rule: RULES[alg] };
}
