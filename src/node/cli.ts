/**
 * The `measureflow` command line. Every command takes `--json` (machine-readable output on
 * stdout) and exits non-zero with a one-line error on bad input.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { InputError } from '../core/errors.js';
import { particleMeasure } from '../core/measure.js';
import { rng } from '../core/rng.js';
import { medianBandwidth } from '../kernels/bandwidth.js';
import type { Kernel } from '../kernels/kernel.js';
import { KERNEL_KINDS, checkKernel } from '../kernels/kernel.js';
import { resolveSums, SUMS_METHODS, sumsToSpec } from '../backend/approxSums.js';
import { DIRECTION_SAMPLINGS } from '../backend/directions.js';
import { ksdSquared } from '../metrics/ksd.js';
import { energyDistanceSquared, mmd, mmdSquaredUnbiased } from '../metrics/mmd.js';
import { SINKHORN_DEFAULTS, sinkhornDivergence } from '../metrics/sinkhorn.js';
import { w2 } from '../metrics/w2.js';
import { TARGET_NAMES, makeTarget } from '../targets/makeTarget.js';
import { sumsFromFlags } from './sumsFlags.js';
import { registerExperimentCommand } from './experimentCommand.js';
import { registerExplainCommands, specFieldsHelp } from './explainCommands.js';
import { readParticles, writeParticles } from './files.js';
import { normaliseSpecWords } from '../spec/alias.js';
import { readSpecFile, runSpecFile } from './runCommand.js';
import { onStopSignals, signalExitCode, signalLabel } from './signals.js';
import { isSpaceSpec, runSpaceSpec } from './spaceRun.js';
import { registerSweepCommand } from './sweep/command.js';
import { packageVersion } from './version.js';
import { positiveNumber, nonNegativeInt, positiveInt, PRECISION_HELP, seedInt, THREADS_HELP, threadsArg } from './cliParsers.js';
import { withThreads } from './threads.js';
import { backendOption, withBackend } from './webgpu.js';
import { checkArrayBudget } from '../core/limits.js';
import { totalmem } from 'node:os';


/**
 * The kernel-sum engine of a command: `--backend webgpu|auto` (GPU) and `--threads K > 1` (CPU
 * threads) both install the one engine kernel sums go through, so they are exclusive.
 */
function oneEngine(o: { backend: 'cpu' | 'webgpu' | 'auto'; threads?: 'auto' | number }): 'cpu' | 'webgpu' | 'auto' {
  if (o.backend !== undefined && o.backend !== 'cpu' && o.threads !== undefined && o.threads !== 1)
    throw new InputError('--threads', o.threads, `1 with --backend ${o.backend} (the GPU backend and CPU threads are alternatives; choose one)`);
  return o.backend;
}

/** A target given on the command line: a name, a JSON object, or a path to a JSON file. */
function parseTargetArg(arg: string, field: string): unknown {
  const t = arg.trim();
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch (e) {
      throw new InputError(field, arg, 'valid JSON', (e as Error).message);
    }
  }
  if (t.endsWith('.json') && existsSync(t)) return readSpecFile(t);
  return { name: t };
}

/** Parameters a bare target name needs, shown when `sample NAME` alone cannot build it. */
const SAMPLE_EXAMPLES: Record<string, string> = {
  gaussian: '{"name":"gaussian","mean":[0,0],"cov":[[1,0.5],[0.5,2]]}',
  mixture: '{"name":"mixture","means":[[-2,0],[2,0]],"covs":[0.5,0.5]}',
  samples: '{"name":"samples","samples":[[0,0],[1,1]]}',
};

const METRICS = ['mmd', 'mmd-unbiased', 'energy', 'w2', 'sinkhorn', 'ksd'] as const;
/** Exit code of `metrics` when the Sinkhorn iteration did not reach its tolerance. */
export const EXIT_NOT_CONVERGED = 4;

/** What each number of `measureflow metrics` is, with its unit (squared or not). */
const METRIC_UNITS: Record<string, string> = {
  mmd: 'MMD (a distance, not squared; biased V-statistic)',
  mmdSquaredUnbiased: 'MMD² (squared; unbiased U-statistic, may be < 0)',
  energyDistanceSquared: 'energy distance D² = 2E|X−Y| − E|X−X′| − E|Y−Y′| (squared; units of |x−y|)',
  w2: 'W₂ (exact 2-Wasserstein distance, not squared)',
  sinkhornDivergence: 'Sinkhorn divergence S_ε with cost |x−y|² (units of squared distance, like W₂²)',
  ksd: 'KSD of a against the target (not squared; V-statistic)',
};

/** The commander program of the `measureflow` CLI (`run`, `metrics`, `sample`, `experiment`), writing through `io`; `main` parses argv with it. */
export function buildProgram(io: { out: (s: string) => void; err: (s: string) => void }): Command {
  const program = new Command()
    .name('measureflow')
    .description('Gradient flows of probability measures on weighted particles')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  program
    .command('run')
    .description('run a flow described by a JSON spec (see README: "The run spec"); writes result.json, particles.csv/.npy, history.csv')
    .argument('<spec>', 'path of the JSON spec')
    .option('--steps <n>', 'override spec.steps', nonNegativeInt('--steps'))
    .option('--seed <n>', 'override spec.seed (an integer in [0, 4294967295])', seedInt('--seed'))
    .option('--tau <x>', 'override spec.tau', positiveNumber('--tau'))
    .option('--eta <x>', 'override spec.eta', positiveNumber('--eta'))
    .option('--out <dir>', 'override spec.out (relative to the current directory)')
    .option('--json', 'print a JSON summary on stdout')
    .option('--quiet', 'no progress bar')
    .addHelpText('after', specFieldsHelp())
    .addOption(backendOption())
    .option('--threads <k>', THREADS_HELP, threadsArg('--threads'))
    .addOption(new Option('--precision <p>', PRECISION_HELP).choices(['f64', 'f32'] as const))
    .action(async (specPath, o) => withBackend(oneEngine(o), io.err, async () => {
      const raw = readSpecFile(specPath) as Record<string, unknown>;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError('spec', raw, 'a JSON object');
      const { aliased } = normaliseSpecWords(raw);
      if (aliased.length > 0)
        io.err(`measureflow: note: ${aliased.join(', ')} read as "kind" (the word measureflow uses for a family, in the library and the spec; "type" is its old name)\n`);
      const spec: Record<string, unknown> = { ...raw };
      if (o.steps !== undefined) spec.steps = o.steps;
      if (o.seed !== undefined) spec.seed = o.seed;
      if (o.tau !== undefined) spec.tau = o.tau;
      if (o.eta !== undefined) spec.eta = o.eta;
      if (o.out !== undefined) spec.out = resolve(o.out);
      if (isSpaceSpec(spec)) {
        // the Gaussian and graph spaces: (m, Σ) or vertex masses instead of particles
        const outDir = resolve(dirname(resolve(specPath)), String(spec.out ?? 'out'));
        const { out: _o, ...rest } = spec;
        process.exitCode = await runSpaceSpec(rest, outDir, io);
        return;
      }
      const signal: { stopped: boolean; writing?: boolean } = { stopped: false };
      const stop = onStopSignals((sig) => {
        signal.stopped = true;
        io.err(
          signal.writing
            ? `\nmeasureflow: ${signalLabel(sig)} — the run is done and its results are being written; this finishes in a moment (${signalLabel(sig)} again aborts, and the folder then keeps its previous contents)\n`
            : `\nmeasureflow: ${signalLabel(sig)} — stopping after the current step and writing the steps done so far (${signalLabel(sig)} again aborts without writing)\n`,
        );
      });
      try {
        let sums: string | undefined;
        const res = await withThreads(o.threads, o.precision, (h) => {
          sums = h?.engine.name;
          if (h && !o.quiet) io.err(`measureflow: kernel sums on ${h.engine.name}\n`);
          return runSpecFile(spec, {
            baseDir: dirname(resolve(specPath)),
            progress: !o.quiet && !o.json,
            signal,
            log: o.quiet ? undefined : io.err,
          });
        });
        const last = res.result.history[res.result.history.length - 1];
        const first = res.result.history[0];
        const status = res.diverged ? 'diverged' : res.result.stopped ? 'interrupted' : 'completed';
        if (o.json)
          io.out(
            `${JSON.stringify({ status, out: res.outDir, files: res.files, steps: res.result.stepsDone, first, last, ms: res.result.elapsedMs, ...(res.diverged ? { error: res.diverged } : {}), ...(res.warnings?.length ? { warnings: res.warnings } : {}), ...(sums ? { sums } : {}) })}\n`,
          );
        else {
          const fmt = (r: typeof last) =>
            r
              ? Object.entries(r)
                  .filter(([k, v]) => k !== 'wallMs' && v !== undefined)
                  .map(([k, v]) => `${k}=${typeof v === 'number' && k !== 'step' ? v.toPrecision(6) : v}`)
                  .join(' ')
              : '';
          io.out(`${String(spec.algorithm)}: ${res.result.stepsDone} steps in ${(res.result.elapsedMs / 1000).toFixed(2)} s${status === 'completed' ? '' : ` (${status})`}\n`);
          io.out(`  start: ${fmt(first)}\n  end:   ${fmt(last)}\n`);
          io.out(`  results in ${res.outDir}\n`);
        }
        const e0 = first?.energy;
        const e1 = last?.energy;
        if (typeof e0 === 'number' && typeof e1 === 'number' && e1 > e0 + 1e-12 * Math.abs(e0))
          io.err(`measureflow: warning: the energy increased over the run (${e0.toPrecision(6)} -> ${e1.toPrecision(6)}); tau or eta may be too large\n`);
        const sig = stop.received();
        if (res.diverged) {
          io.err(`measureflow: ${res.diverged}\n`);
          process.exitCode = 3;
        } else if (res.result.stopped) process.exitCode = signalExitCode(sig ?? 'SIGINT');
      } finally {
        stop.uninstall();
      }
    }));

  program
    .command('metrics')
    .description('discrepancies between two sample files (MMD, energy distance, exact W2, Sinkhorn divergence), or KSD of one file against a target')
    .argument('<a>', 'samples file (.csv/.npy/.json) for µ')
    .argument('[b]', 'samples file for ν (not needed for ksd only)')
    .addOption(new Option('--kernel <type>', 'kernel for MMD/KSD').choices(KERNEL_KINDS).default('gaussian' as const))
    .option('--sigma <x>', 'bandwidth σ > 0, or "median" (median heuristic on both samples; the default)')
    .option('--beta <x>', 'kernel exponent β (imq, energy)', positiveNumber('--beta'))
    .option('--metrics <list>', `comma-separated subset of ${METRICS.join(',')}`, 'mmd,energy,w2,sinkhorn')
    .option('--eps <x>', 'entropic regularisation ε of the Sinkhorn divergence (cost |x−y|²)', positiveNumber('--eps'), 0.01)
    .option('--sinkhorn-max-iter <n>', 'most Sinkhorn iterations per problem (ε-scaling included)', positiveInt('--sinkhorn-max-iter'), SINKHORN_DEFAULTS.maxIter)
    .option('--sinkhorn-tol <x>', 'stop when the L1 marginal error of the plan is below this', positiveNumber('--sinkhorn-tol'), SINKHORN_DEFAULTS.tol)
    .option('--target <t>', 'target for ksd: a name, a JSON object, or a .json file')
    .option('--json', 'print JSON on stdout')
    .addOption(new Option('--sums <method>', 'kernel sums of mmd, mmd-unbiased, energy: exact (default), sliced (energy kernel/distance, P directions), features (random Fourier features)').choices(SUMS_METHODS))
    .option('--directions <P>', 'sliced sums: number of directions (default 100)', positiveInt('--directions'))
    .addOption(new Option('--sampling <s>', 'sliced sums: how directions are drawn (default orthogonal)').choices(DIRECTION_SAMPLINGS))
    .option('--features <D>', 'feature sums: number of random frequencies (default 1000)', positiveInt('--features'))
    .option('--sums-seed <n>', 'seed of the directions / frequencies (default 0)', nonNegativeInt('--sums-seed'))
    .addOption(backendOption())
    .option('--threads <k>', THREADS_HELP, threadsArg('--threads'))
    .addOption(new Option('--precision <p>', PRECISION_HELP).choices(['f64', 'f32'] as const))
    .addHelpText(
      'after',
      `\nExit codes: 0 ok; 2 bad input; ${EXIT_NOT_CONVERGED} the Sinkhorn divergence did not converge within --sinkhorn-max-iter (the value is still printed, with "converged": false in --json and a warning on stderr: raise --sinkhorn-max-iter or --eps).`,
    )
    .action(async (a, b, o) => withBackend(oneEngine(o), io.err, async () => {
      const sums = sumsFromFlags(o);
      const wanted = o.metrics.split(',').map((s) => s.trim());
      for (const m of wanted)
        if (!(METRICS as readonly string[]).includes(m)) throw new InputError('--metrics', m, `one of ${METRICS.join(', ')}`);
      const mu = readParticles(a, { field: 'a' });
      const nu = b ? readParticles(b, { field: 'b' }) : null;
      if (!nu && wanted.some((m) => m !== 'ksd')) throw new InputError('b', undefined, `a second samples file for ${wanted.filter((m) => m !== 'ksd').join(', ')}`);
      if (nu && nu.d !== mu.d) throw new InputError('b.d', nu.d, `${mu.d} (the dimension of a)`);
      if (o.kernel === 'energy' && o.sigma !== undefined)
        throw new InputError('--sigma', o.sigma, 'no bandwidth with --kernel energy (the energy kernel −|x−y| has none)');
      const sigmaArg: number | 'median' = o.sigma === undefined || o.sigma === 'median' ? 'median' : positiveNumber('--sigma')(o.sigma);
      // "median": the median heuristic over the points a metric compares — A and B for the
      // two-sample metrics, A alone for KSD (so KSD of A does not depend on whether B is given)
      const kernelOn = (sets: Float64Array[]): Kernel => {
        let sigma: number | undefined;
        if (o.kernel !== 'energy') {
          if (sigmaArg === 'median') {
            const all = new Float64Array(sets.reduce((a, X) => a + X.length, 0));
            let off = 0;
            for (const X of sets) {
              all.set(X, off);
              off += X.length;
            }
            sigma = medianBandwidth(all, mu.d, 1000, '--sigma');
          } else sigma = sigmaArg;
        }
        return checkKernel(
          o.kernel === 'energy' ? { kind: 'energy', ...(o.beta ? { beta: o.beta } : {}) } : { kind: o.kernel, sigma, ...(o.beta ? { beta: o.beta } : {}) },
          o.kernel === 'energy' ? '--kernel' : '--sigma',
        );
      };
      const pairKernel = nu && wanted.some((m) => m === 'mmd' || m === 'mmd-unbiased') ? kernelOn([mu.X, nu.X]) : null;
      const ksdKernel = wanted.includes('ksd') ? kernelOn([mu.X]) : null;
      const out: Record<string, number> = {};
      const units: Record<string, string> = {};
      let sk: { converged: boolean; iterations: number; marginalError: number; tol: number; maxIter: number } | undefined;
      await withThreads(o.threads, o.precision, () => {
        for (const m of wanted) {
          if (m === 'mmd') out.mmd = mmd(mu, nu!, { kernel: pairKernel!, ...(sums ? { sums } : {}) });
          else if (m === 'mmd-unbiased') out.mmdSquaredUnbiased = mmdSquaredUnbiased(mu, nu!, { kernel: pairKernel!, ...(sums ? { sums } : {}) });
          // the energy distance has its own kernel −|x−y|: sliced when asked, else exact
          else if (m === 'energy') out.energyDistanceSquared = energyDistanceSquared(mu, nu!, sums?.method === 'sliced' ? sums : undefined);
          else if (m === 'w2') out.w2 = w2(mu, nu!);
          else if (m === 'sinkhorn') {
            const r = sinkhornDivergence(mu, nu!, { eps: o.eps, maxIter: o.sinkhornMaxIter, tol: o.sinkhornTol });
            out.sinkhornDivergence = r.divergence;
            sk = { converged: r.converged, iterations: r.iterations, marginalError: r.marginalError, tol: o.sinkhornTol, maxIter: o.sinkhornMaxIter };
          } else if (m === 'ksd') {
            if (!o.target) throw new InputError('--target', undefined, 'a target with a score for ksd (e.g. --target paper-gaussian-2d)');
            const t = makeTarget(parseTargetArg(o.target, '--target'), '--target');
            if (!t.score) throw new InputError('--target', o.target, 'a target with a score');
            if (t.d !== mu.d) throw new InputError('--target', o.target, `a target of dimension ${mu.d}`);
            out.ksd = Math.sqrt(Math.max(0, ksdSquared(mu, t.score(mu.X), { kernel: ksdKernel! })));
          }
        }
      });
      for (const k of Object.keys(out)) units[k] = METRIC_UNITS[k]!;
      const info = {
        ...(pairKernel ? { kernel: { ...pairKernel } } : {}),
        ...(ksdKernel ? { ksdKernel: { ...ksdKernel } } : {}),
        eps: wanted.includes('sinkhorn') ? o.eps : undefined,
        sinkhorn: sk,
        n: mu.n,
        m: nu?.n,
        d: mu.d,
        ...(sums ? { sums: sumsToSpec(resolveSums(sums, sums.method === 'sliced' ? { kind: 'energy' } : (pairKernel ?? { kind: 'gaussian', sigma: 1 }))) } : {}),
      };
      if (o.json) io.out(`${JSON.stringify({ ...out, units, ...info })}\n`);
      else {
        io.out(`n=${mu.n}${nu ? ` m=${nu.n}` : ''} d=${mu.d}\n`);
        if (pairKernel) io.out(`kernel of mmd: ${JSON.stringify(pairKernel)}${sigmaArg === 'median' && o.kernel !== 'energy' ? ' (median heuristic on a and b)' : ''}\n`);
        if (ksdKernel) io.out(`kernel of ksd: ${JSON.stringify(ksdKernel)}${sigmaArg === 'median' && o.kernel !== 'energy' ? ' (median heuristic on a)' : ''}\n`);
        for (const [k, v] of Object.entries(out)) {
          const note =
            k === 'sinkhornDivergence' && sk
              ? ` (${sk.converged ? 'converged' : 'NOT CONVERGED'}: ${sk.iterations} iterations, marginal error ${sk.marginalError.toExponential(2)})`
              : '';
          io.out(`${k.padEnd(22)} ${v.toPrecision(8).padEnd(16)} ${units[k]}${note}\n`);
        }
      }
      if (sk && !sk.converged) {
        io.err(
          `measureflow: warning: the Sinkhorn divergence did not converge: marginal error ${sk.marginalError.toExponential(2)} > --sinkhorn-tol ${sk.tol} after ${sk.iterations} iterations (eps = ${o.eps}); the value is not reliable — raise --sinkhorn-max-iter or --eps (exit code ${EXIT_NOT_CONVERGED})\n`,
        );
        process.exitCode = EXIT_NOT_CONVERGED;
      }
    }));

  program
    .command('sample')
    .description(`draw n exact samples of a named target (${TARGET_NAMES.filter((t) => t !== 'samples').join(', ')})`)
    .argument('<target>', 'a name, a JSON object like \'{"name":"gaussian","mean":[0,0],"cov":[[1,0.5],[0.5,2]]}\', or a .json file')
    .requiredOption('-n, --n <n>', 'number of samples', positiveInt('--n'))
    .requiredOption('-o, --out <file>', 'output file (.csv, .npy or .json)')
    .option('--seed <n>', 'seed, an integer in [0, 4294967295]', seedInt('--seed'), 0)
    .option('--json', 'print a JSON summary on stdout')
    .action((targetArg, o) => {
      const parsed = parseTargetArg(targetArg, 'target') as { name?: unknown };
      let t: ReturnType<typeof makeTarget>;
      try {
        t = makeTarget(parsed, 'target');
      } catch (e) {
        const example = typeof parsed.name === 'string' ? SAMPLE_EXAMPLES[parsed.name] : undefined;
        if (e instanceof InputError && example && Object.keys(parsed).length === 1)
          throw new InputError('target', targetArg, `"${parsed.name}" with its parameters, e.g. measureflow sample '${example}' -n ${o.n} -o ${o.out}`, e.message);
        throw e;
      }
      const label = typeof parsed.name === 'string' ? parsed.name : t.kind;
      if (!t.sample) throw new InputError('target', targetArg, 'a target with an exact sampler');
      checkArrayBudget('--n', o.n, t.d, totalmem());
      const X = t.sample(rng(o.seed, 0), o.n);
      writeParticles(o.out, particleMeasure(X, t.d));
      if (o.json) io.out(`${JSON.stringify({ out: resolve(o.out), n: o.n, d: t.d, seed: o.seed })}\n`);
      else io.out(`wrote ${o.n} samples of ${label} (d = ${t.d}, seed ${o.seed}) to ${o.out}\n`);
    });

  registerExperimentCommand(program, io);
  registerExplainCommands(program, io);
  registerSweepCommand(program, io);

  return program;
}

/** Entry point of the bin: returns the exit code (0 ok, 1 runtime error, 2 bad input/usage). */
export async function main(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void } = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  },
): Promise<number> {
  process.exitCode = undefined;
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    // An InvalidArgumentError thrown by an action (not by option parsing) has not been printed.
    if (e instanceof InvalidArgumentError) {
      io.err(`measureflow: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError) {
      io.err(`measureflow: ${e.message}\n`);
      return 2;
    }
    io.err(`measureflow: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

