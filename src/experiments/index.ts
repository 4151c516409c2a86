/**
 * Experiment registry: which methods an experiment compares, how one (method, run) is executed,
 * the loss it reports, and the texts of the report. Pure (no `node:*`): the Node command
 * (`src/node/experiment.ts`) adds the worker pool, progress, files and figures.
 */
import { InputError } from '../core/errors.js';
import type { MethodCurve, MethodInfo } from './aggregate.js';
import { finalStep, formatMeanStd, tableSteps, valueAt } from './aggregate.js';
import { runDoubleWellTask } from './doubleWell.js';
import { iftMethodLabel, iftProblem, runIftTask, runSeed, TARGET_STREAM } from './ift.js';
import { stepMapping } from './settings.js';
import type { ExperimentName, ExperimentSettings, ExperimentTask, IftMethod, RunCurve, RunHooks } from './types.js';

export * from './aggregate.js';
export * from './settings.js';
export * from './types.js';
export * from './claim.js';
export { authorsCodeFlow, type AuthorsFlowOptions, type AuthorsWeightStep } from './authorsCode.js';
export { gibbsCdf, gibbsDensity, ksToGibbs, runDoubleWellTask } from './doubleWell.js';
export { type IftProblem, iftFlow, iftMethodLabel, iftProblem, mmdToSample, runIftTask, runSeed, stepsPerIteration, TARGET_STREAM, weightStats } from './ift.js';

/** Titles of the experiments. */
export const EXPERIMENT_TITLES: Record<ExperimentName, string> = {
  'ift-gaussian-2d': 'IFT paper §4: 2-D Gaussian target',
  'ift-mixture-2d': 'IFT paper §4: 2-D Gaussian mixture target',
  'ift-mixture-100d': 'IFT paper §4: 100-D Gaussian mixture, IFT vs WFR vs MMD flow',
  'double-well-langevin': 'Double-well Langevin: particles settling into exp(−V)/Z',
};

/** The methods an experiment compares, in plotting order. */
export function experimentMethods(s: ExperimentSettings): MethodInfo[] {
  if (s.experiment === 'double-well-langevin') return [{ id: 'langevin', label: 'Langevin (ULA)' }];
  return s.methods.map((m) => ({ id: m, label: iftMethodLabel(m, s) }));
}

/** Executes one (method, run). Deterministic in the task; independent of scheduling. */
export function runExperimentTask(task: ExperimentTask, hooks: RunHooks = {}): RunCurve {
  const s = task.settings;
  if (s.experiment === 'double-well-langevin') {
    if (task.method !== 'langevin') throw new InputError('task.method', task.method, "'langevin'");
    return runDoubleWellTask(s, task.run, hooks);
  }
  if (!(s.methods as readonly string[]).includes(task.method)) throw new InputError('task.method', task.method, `one of ${s.methods.join(', ')}`);
  return runIftTask(s, task.method as IftMethod, task.run, hooks);
}

/** Axis title of the loss. */
export function lossLabel(s: ExperimentSettings): string {
  if (s.experiment === 'double-well-langevin') return 'KS distance sup|F_N − F| to exp(−V)/Z';
  return s.lossSample === 'test' ? `MMD² to a fixed test sample of π (${s.testSize} points)` : `MMD² to the training sample Y (${s.m} points) = 2F`;
}

/** The seeds of the runs (run r → `rng(seed, r).nextUint32()`). */
export function runSeeds(s: ExperimentSettings): number[] {
  return Array.from({ length: s.runs }, (_, r) => runSeed(s.seed, r));
}

/** config.json: the resolved settings plus the derived quantities that fix the computation. */
export function resolvedConfig(s: ExperimentSettings): Record<string, unknown> {
  const base: Record<string, unknown> = {
    experiment: s.experiment,
    title: EXPERIMENT_TITLES[s.experiment],
    settings: s,
    methods: experimentMethods(s),
    loss: lossLabel(s),
    seeds: { master: s.seed, perRun: runSeeds(s), rule: 'run r uses seed rng(seed, r).nextUint32(); µ₀ and samples from stream 0 of it, step t from stream t + 1' },
  };
  if (s.experiment === 'double-well-langevin') {
    return {
      ...base,
      problem: 'V(x) = (x² − 1)², µ₀ = N(0, 0.05²), unadjusted Langevin x ← x − dt·V′(x) + √(2dt)·N(0, 1)',
      totalTime: s.steps * s.tau,
    };
  }
  const map = stepMapping(s);
  return {
    ...base,
    problem: iftProblem(s).description,
    kernel: { kind: 'gaussian', sigma: s.sigma, formula: `k(x, y) = exp(−|x − y|²/(2σ²)) = exp(−γ|x − y|²), γ = ${1 / (2 * s.sigma * s.sigma)}` },
    counting: 'one IFT/WFR iteration = 2 steps: IFT and WFR run ⌊steps/2⌋ iterations, plotted at x = 2·iteration',
    updates: map,
    ...(s.experiment === 'ift-mixture-100d' ? { target: { stream: TARGET_STREAM, rule: 'paperMixture100d(rng(seed, 0xffffffff)), the same for every run' } } : {}),
  };
}

/** The report's table: loss at steps 1000, 3000 (when within the run) and final, mean ± std per method. */
export function lossTable(s: ExperimentSettings, curves: readonly MethodCurve[]): { columns: string[]; rows: string[][] } {
  const steps = tableSteps(s.steps);
  const columns = ['method', ...steps.map((t) => `step ${t}`), 'final', 'final step', 'runs'];
  const rows = curves.map((c) => {
    const fs = finalStep(c);
    return [
      c.label,
      ...steps.map((t) => formatMeanStd(valueAt(c, t))),
      formatMeanStd(valueAt(c, fs)),
      String(fs),
      `${c.runs.length}${c.diverged.length > 0 ? ` (${c.diverged.length} diverged)` : ''}`,
    ];
  });
  return { columns, rows };
}

/** The summary paragraphs of the report. */
export function reportSummary(s: ExperimentSettings, curves: readonly MethodCurve[], finals: Record<string, Record<string, number>>): string {
  const p: string[] = [];
  if (s.experiment === 'double-well-langevin') {
    p.push(
      `Unadjusted Langevin dynamics x ← x − dt·V′(x) + √(2·dt)·N(0, 1) for V(x) = (x² − 1)², ${s.n} particles from N(0, ${s.initStd}²) (the saddle), dt = ${s.tau}, ${s.steps} steps (t = ${s.steps * s.tau}); ${s.runs} runs. The loss is the Kolmogorov–Smirnov distance between the particles' empirical CDF and the exact CDF of the Gibbs law exp(−V)/Z (Z ≈ 1.97373 by quadrature); with ${s.n} particles its sampling floor is about ${(0.87 / Math.sqrt(s.n)).toPrecision(2)} (the mean KS distance of an exact sample). Histograms: run 0 at steps ${s.snapshotSteps.join(', ')}.`,
    );
    const f = finals.langevin;
    if (f?.secondMoment !== undefined && f.secondMomentExact !== undefined && f.fractionRightWell !== undefined) p.push(`Final E[x²] (mean over runs) = ${f.secondMoment!.toPrecision(5)} vs exact ${f.secondMomentExact!.toPrecision(5)}; fraction in the right well ${f.fractionRightWell!.toPrecision(3)}.`);
    return p.join('\n\n');
  }
  const map = stepMapping(s);
  const reduced = s.experiment === 'ift-mixture-100d';
  p.push(
    `${iftProblem(s).description} n = ${s.n} particles, m = ${s.m} target samples (${s.targetSamples === 'fixed' ? 'one fixed draw per run' : 'a fresh draw every iteration'}), Gaussian kernel σ = ${s.sigma}; ${s.runs} runs, ${s.steps} steps.${reduced ? ` Reduced size by default (the paper/authors: n = m = 10⁴, 9000 steps, noise off after 4000, 20 runs — reachable with --n 10000 --m 10000 --steps 9000 --noise-until 4000 --runs 20 --test-size 10000).` : ''}`,
  );
  p.push(
    `Convention: ${s.convention}. Positions: ${map.transport.rule}. IFT weight step: ${map.mmdStep.rule}. WFR weight step: ${map.klStep.rule}. Noisy MMD flow: ${map.noise}.`,
  );
  p.push(
    'Step counting as in the paper: one IFT or WFR iteration (a position step plus a weight step) counts as TWO steps against MMD flow, so IFT and WFR run ⌊steps/2⌋ iterations and iteration i is plotted at x = 2i.',
  );
  p.push(
    `Loss: ${lossLabel(s)}: the squared MMD (biased V-statistic, the flow's kernel)${s.lossSample === 'test' ? ", as the authors' code reports it (against a test sample drawn once per run); the paper's Fig. 3 labels this axis \"MMD\"" : ' — the energy itself, not what the paper reports; with fixed target samples the test loss cannot go below the discrepancy between Y and π, which hides the differences between methods'}. Mean ± population std (ddof = 0) over runs. All methods of a run share µ₀, the target samples, the test sample and the per-step random streams.`,
  );
  const ift = curves.find((c) => c.method === 'ift');
  const noisy = curves.find((c) => c.method === 'mmd-flow-noise');
  const plain = curves.find((c) => c.method === 'mmd-flow');
  const facts: string[] = [];
  if (ift && s.steps > 1000) facts.push(`IFT at step 1000: ${formatMeanStd(valueAt(ift, 1000))}`);
  if (noisy) facts.push(`MMD flow + noise at its final step ${finalStep(noisy)}: ${formatMeanStd(valueAt(noisy, finalStep(noisy)))}`);
  if (plain) facts.push(`MMD flow at its final step ${finalStep(plain)}: ${formatMeanStd(valueAt(plain, finalStep(plain)))}`);
  if (facts.length > 0) p.push(`${facts.join('; ')}.`);
  const wf = finals.ift;
  if (wf?.vanishedFraction !== undefined && wf.essFraction !== undefined) p.push(`IFT, final weights (mean over runs): ${(100 * wf.vanishedFraction!).toFixed(1)} % of the particles vanished (w < 10⁻³/n); effective sample size ${(100 * wf.essFraction!).toFixed(1)} % of n.`);
  const div = curves.filter((c) => c.diverged.length > 0);
  if (div.length > 0) p.push(`Diverged runs: ${div.map((c) => `${c.label}: ${c.diverged.length} (${c.diverged[0]!.message})`).join('; ')}.`);
  return p.join('\n\n');
}

/** Mean over runs of each method's final scalars (`RunCurve.finals`), each over the runs that report it. */
export function meanFinals(curves: readonly RunCurve[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const counts: Record<string, Record<string, number>> = {};
  for (const c of curves) {
    const o = (out[c.method] ??= {});
    const n = (counts[c.method] ??= {});
    for (const [k, v] of Object.entries(c.finals)) {
      if (!Number.isFinite(v)) continue;
      o[k] = (o[k] ?? 0) + v;
      n[k] = (n[k] ?? 0) + 1;
    }
  }
  for (const [m, o] of Object.entries(out)) for (const k of Object.keys(o)) o[k] = o[k]! / counts[m]![k]!;
  return out;
}
