/**
 * `measureflow experiment NAME [options]`: reproduces the IFT paper's experiments and the
 * double-well demo (see `src/experiments`). Every setting is a flag, recorded in config.json.
 * Wire it with `registerExperimentCommand(program, io)` in `buildProgram`.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { InputError } from '../core/errors.js';
import type { ExperimentOverrides } from '../experiments/index.js';
import { CONVENTIONS, EXPERIMENT_NAMES, OVERRIDE_FLAGS, IFT_VARIANTS, LOSS_SAMPLES, resolveSettings, TARGET_SAMPLES } from '../experiments/index.js';
import { InterruptedError, runExperiment } from './experiment.js';
import { OPEN_EXPERIMENTS, type OpenExperiment, runOpenExperiment } from './openExperiments.js';
import { runSpaceExperiment, SPACE_EXPERIMENTS, type SpaceExperiment } from './spaceRun.js';
import { onStopSignals, signalExitCode, signalLabel } from './signals.js';
import { positiveNumber, nonNegativeNumber, nonNegativeInt, positiveInt, threadsArg } from './cliParsers.js';
import { backendOption } from './webgpu.js';


const HELP_AFTER = `
Experiments:
  ift-gaussian-2d       IFT paper §4, 2-D Gaussian target (Figs 3a, 4): n = m = 100, σ = 10, τ = 50, η = 0.1,
                        6000 steps, noise 10 off after 3000 steps
  ift-mixture-2d        IFT paper §4, 2-D Gaussian mixture (Figs 3b, 5): as above, 5000 steps
  ift-mixture-100d      IFT paper §4, 100-D mixture, IFT vs WFR vs MMD flow (Fig. 6), at a reduced default size
                        (n = m = 500, 2000 steps); paper size: --n 10000 --m 10000 --steps 9000 --noise-until 4000
                        --runs 20 --test-size 10000
  double-well-langevin  Langevin on V(x) = (x² − 1)²: 2000 particles from N(0, 0.05²), dt = 0.005, 2000 steps
  sliced-mmd            MMD flow vs IFT (pgd) with the energy kernel and sliced kernel sums at n = m = 10⁵
                        (--d 2: the 2-D mixture, τ = 1; --d 100: the 100-D mixture, τ = 10), 200 steps, P = 100
                        orthogonal directions (--directions), loss = sliced MMD² to a 10⁴-point test sample
  gaussian-vi-bimodal   Gaussian VI on a 2-D bimodal mixture: reverse KL (Bures–Wasserstein, natural gradient) seeks a
                        mode, forward KL covers both (docs/spaces.md); takes --steps --seed
  graph-heat            heat flow as the discrete Wasserstein flow of the entropy: hypercube {0,1}⁴ against the
                        Erbar–Maas bound, a path of 12 vertices with W(ρ_t, π) (docs/spaces.md); takes --steps
  score-ift             score-only targets (banana, 2-D and 10-D mixtures): SVGD, KSD descent, Langevin, score-IFT;
                        KSD and MMD² over steps (docs/open-directions.md); takes --runs --n --steps --seed
  rejuvenation          IFT with and without particle rejuvenation: 2-D Gaussian and mixture, 100-D mixture at a
                        reduced size; MMD² and ESS over steps (docs/open-directions.md); takes --runs --n --steps --seed

The defaults follow the paper's text (σ = 10) and do NOT show its picture: every method converges and
the curves overlap. The paper's claim (MMD flow stalls, IFT converges without noise) shows with the
authors' kernel exp(−|x−y|²/10), i.e. σ = √5:
  measureflow experiment ift-gaussian-2d --convention authors-code --sigma 2.2360679775 \
    --target-samples fixed --loss-sample train          (as npm run demo)
The report (index.html) says at its top which case a run is, and why.

One IFT/WFR iteration counts as two steps (paper §4): they run ⌊steps/2⌋ iterations.
--convention authors-code reads --tau/--eta/--eta-kl as the released code's lr/lr_ (positions
x ← x − 2·lr·wᵢ∇ξ, weights Proj(w − 2·lr_·ξ) or Proj(w·e^{−lr_·ξ})) and redraws the target samples
every iteration unless --target-samples is given.

Output folder: config.json, curves.csv (step,method,mean,std,runs), curves.json (with per-run values),
loss.svg/.png, trajectories-METHOD.svg/.png (2-D and 100-D) or histograms.svg/.png (double well), index.html.
`;

const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);

/**
 * The experiment settings given as flags (`experiment` and `sweep plan` share them), as
 * overrides of the experiment's defaults; `--methods` is split on commas. Flags not given are
 * left out.
 */
export function overridesFromFlags(o: Omit<ExperimentOverrides, 'methods'> & { methods?: string }): ExperimentOverrides {
  const { methods, ...rest } = o;
  const out: ExperimentOverrides = {};
  for (const k of Object.keys(OVERRIDE_FLAGS) as (keyof ExperimentOverrides)[]) {
    const v = k === 'methods' ? (methods === undefined ? undefined : methods.split(',').map((x) => x.trim())) : rest[k as Exclude<keyof ExperimentOverrides, 'methods'>];
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Adds the `experiment` command to the program. `io` defaults to process.stdout / process.stderr. */
export function registerExperimentCommand(
  program: Command,
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
): void {
  program
    .command('experiment')
    .description(`reproduce an experiment (${[...EXPERIMENT_NAMES, ...SPACE_EXPERIMENTS, ...OPEN_EXPERIMENTS].join(', ')}); writes figures, curves and an HTML report`)
    .argument('<name>', `one of ${[...EXPERIMENT_NAMES, ...SPACE_EXPERIMENTS, ...OPEN_EXPERIMENTS].join(', ')}`)
    .option('--runs <r>', 'independent runs (default: about a minute on 2 cores; the paper: 50 in 2-D, 20 in 100-D)', positiveInt('--runs'))
    .option('--n <n>', 'particles', positiveInt('--n'))
    .option('--m <m>', 'target samples per draw (default n)', positiveInt('--m'))
    .option('--sigma <x>', 'Gaussian kernel bandwidth σ (default 10)', positiveNumber('--sigma'))
    .option('--tau <x>', 'position step: Wasserstein τ (paper convention), lr (authors-code), dt (double well)', positiveNumber('--tau'))
    .option('--eta <x>', 'IFT weight step: η (paper), lr_ (authors-code)', positiveNumber('--eta'))
    .option('--eta-kl <x>', 'WFR KL weight step (default 1)', positiveNumber('--eta-kl'))
    .option('--noise-level <x>', 'noise level of MMD flow + noise', nonNegativeNumber('--noise-level'))
    .option('--noise-until <steps>', 'switch the noise off from this step on', nonNegativeInt('--noise-until'))
    .option('--steps <n>', 'steps (one IFT/WFR iteration = 2 steps)', positiveInt('--steps'))
    .addOption(new Option('--variant <v>', 'IFT weight step (default pgd, as in the paper)').choices(IFT_VARIANTS))
    .addOption(new Option('--target-samples <mode>', 'fixed draw per run, or redrawn every iteration').choices(TARGET_SAMPLES))
    .addOption(new Option('--convention <c>', 'how step sizes are read (default paper)').choices(CONVENTIONS))
    .option('--test-size <n>', 'size of the fixed test sample of π for the loss', positiveInt('--test-size'))
    .addOption(new Option('--loss-sample <s>', 'measure MMD² against the test sample or the training sample Y').choices(LOSS_SAMPLES))
    .option('--record-every <steps>', 'record the loss every this many steps (even)', positiveInt('--record-every'))
    .option('--methods <list>', 'comma-separated subset of mmd-flow,mmd-flow-noise,ift,wfr')
    .option('--path-particles <k>', 'particles of run 0 whose paths are drawn (default 10)', nonNegativeInt('--path-particles'))
    .option('--seed <n>', 'master seed (run r uses rng(seed, r))', nonNegativeInt('--seed'))
    .addOption(new Option('--d <d>', 'sliced-mmd: dimension, 2 or 100 (default 2)').argParser(positiveInt('--d')))
    .addOption(new Option('--kernel <k>', 'kernel family (default gaussian; sliced-mmd: energy)').choices(['gaussian', 'energy'] as const))
    .addOption(new Option('--sums <method>', 'kernel sums: exact, sliced (energy kernel), features (Gaussian kernel); default exact (sliced-mmd: sliced)').choices(['exact', 'sliced', 'features'] as const))
    .option('--directions <P>', 'sliced sums: directions per step (default 100)', positiveInt('--directions'))
    .addOption(new Option('--sampling <s>', 'sliced sums: directions drawn random, orthogonal (default) or qmc').choices(['random', 'orthogonal', 'qmc'] as const))
    .option('--features <D>', 'feature sums: random Fourier features (default 1000)', positiveInt('--features'))
    .option('--workers <k>', `worker threads (default ${availableParallelism()}: the available parallelism)`, positiveInt('--workers'))
    .option(
      '--threads <k>',
      "total threads: 'auto' (all cores) or a count (default: one per worker). Runs go in parallel first; each run's kernel sums get threads ÷ workers threads (so 1 when runs × methods ≥ cores). Results are bit-identical for any count",
      threadsArg('--threads'),
    )
    .option('--out <dir>', 'output folder (default out/experiments/NAME)')
    .option('--json', 'print a JSON summary on stdout')
    .option('--quiet', 'no progress bars')
    .addOption(backendOption())
    .addHelpText('after', HELP_AFTER)
    .action(async (name, o) => {
      if ((SPACE_EXPERIMENTS as readonly string[]).includes(name) || (OPEN_EXPERIMENTS as readonly string[]).includes(name)) {
        // experiments of the Gaussian/graph spaces and of the open directions: their own runners
        const used = ['runs', 'n', 'steps', 'seed', 'out'];
        for (const [k, v] of Object.entries(o)) if (v !== undefined && !used.includes(k)) throw new InputError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, v, `nothing for ${name} (it takes --runs, --n, --steps, --seed, --out)`);
        if (o.out !== undefined && o.out.trim() === '') throw new InputError('--out', o.out, 'a folder path');
        const outDir = resolve(o.out ?? `out/experiments/${name}`);
        const opts = { ...(o.runs !== undefined ? { runs: o.runs } : {}), ...(o.n !== undefined ? { n: o.n } : {}), ...(o.steps !== undefined ? { steps: o.steps } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) };
        process.exitCode = (SPACE_EXPERIMENTS as readonly string[]).includes(name)
          ? await runSpaceExperiment(name as SpaceExperiment, outDir, io, opts)
          : await runOpenExperiment(name as OpenExperiment, outDir, io, opts);
        return;
      }
      const overrides: ExperimentOverrides = overridesFromFlags(o);
      for (const k of Object.keys(overrides) as (keyof ExperimentOverrides)[]) if (overrides[k] === undefined) delete overrides[k];
      const settings = resolveSettings(name, overrides);
      if (o.out !== undefined && o.out.trim() === '') throw new InputError('--out', o.out, 'a folder path');
      const outDir = resolve(o.out ?? `out/experiments/${name}`);
      const ac = new AbortController();
      let writing = false;
      const stop = onStopSignals((sig) => {
        io.err(
          writing
            ? `\nmeasureflow: ${signalLabel(sig)} — every run is done and the results are being written; this finishes in a moment (${signalLabel(sig)} again aborts, and the folder then keeps its previous contents)\n`
            : `\nmeasureflow: ${signalLabel(sig)} — stopping the workers; the (method, run) pairs that finished are written, the running ones are dropped (${signalLabel(sig)} again aborts without writing)\n`,
        );
        if (!writing) ac.abort();
      });
      if (!o.quiet && !o.json)
        io.err(`measureflow: running ${name}: ${settings.runs} runs × ${settings.methods.length} methods -> ${outDir} (Ctrl-C stops and keeps the finished runs)\n`);
      try {
        const res = await runExperiment({
          settings,
          outDir,
          workers: o.workers,
          ...(o.threads !== undefined ? { threads: o.threads } : {}),
          progress: !o.quiet && !o.json,
          signal: ac.signal,
          backend: o.backend,
          log: io.err,
          onPhase: () => {
            writing = true;
          },
        });
        const total = res.timings['total wall clock']!;
        if (o.json) {
          io.out(
            `${JSON.stringify({
              experiment: name,
              status: res.status,
              tasks: { done: res.tasksDone, total: res.tasksTotal },
              out: res.outDir,
              files: res.files,
              settings,
              workers: res.workers,
              seconds: total,
              table: { columns: res.table.columns, rows: res.table.rows },
              final: res.curves.map((c) => ({
                method: c.method,
                step: c.step[c.step.length - 1] ?? null,
                mean: finite(c.mean[c.mean.length - 1]),
                std: finite(c.std[c.std.length - 1]),
                diverged: c.diverged.length,
              })),
            })}\n`,
          );
        } else {
          io.out(
            `${name}: ${settings.runs} runs × ${res.curves.length} methods on ${res.workers} workers in ${total.toFixed(1)} s${res.status === 'interrupted' ? ` (interrupted: ${res.tasksDone} of ${res.tasksTotal} (method, run) pairs finished)` : ''}\n`,
          );
          for (const [k, v] of Object.entries(res.timings)) if (k.includes('per run') || k.includes('per iteration')) io.out(`  ${k}: ${v.toPrecision(4)}\n`);
          const cols = res.table.columns;
          const widths = cols.map((c, j) => Math.max(c.length, ...res.table.rows.map((r) => r[j]!.length)));
          const line = (cells: string[]) => `  ${cells.map((c, j) => c.padEnd(widths[j]!)).join('  ')}\n`;
          io.out(line(cols));
          for (const r of res.table.rows) io.out(line(r));
          io.out(`  report: ${resolve(res.outDir, 'index.html')}\n`);
        }
        const div = res.curves.flatMap((c) => c.diverged.map((dv) => `${c.label}, run ${dv.run}: ${dv.message}`));
        for (const line of div.slice(0, 5)) io.err(`measureflow: warning: diverged: ${line}\n`);
        if (div.length > 5) io.err(`measureflow: warning: … and ${div.length - 5} more diverged (method, run) pairs (see curves.json)\n`);
        const sig = stop.received();
        if (res.status === 'interrupted') process.exitCode = signalExitCode(sig ?? 'SIGINT');
        else if (res.curves.some((c) => c.diverged.length > 0)) process.exitCode = 3;
      } catch (e) {
        const sig = stop.received();
        if (sig && e instanceof InterruptedError) {
          io.err(`measureflow: ${e.message}\n`);
          process.exitCode = signalExitCode(sig);
          return;
        }
        throw e;
      } finally {
        stop.uninstall();
      }
    });
}
