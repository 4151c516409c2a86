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
import { ksdSquared } from '../metrics/ksd.js';
import { energyDistance, mmdSquared, mmdSquaredUnbiased } from '../metrics/mmd.js';
import { SINKHORN_DEFAULTS, sinkhornDivergence } from '../metrics/sinkhorn.js';
import { w2 } from '../metrics/w2.js';
import { TARGET_NAMES, makeTarget } from '../targets/makeTarget.js';
import { registerExperimentCommand } from './experimentCommand.js';
import { readParticles, writeParticles } from './files.js';
import { readSpecFile, runSpecFile } from './runCommand.js';
import { packageVersion } from './version.js';
import { positiveNumber, nonNegativeInt, positiveInt, seedInt } from './cliParsers.js';
import { checkArrayBudget } from '../core/limits.js';
import { totalmem } from 'node:os';


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

const METRICS = ['mmd', 'mmd-unbiased', 'energy', 'w2', 'sinkhorn', 'ksd'] as const;
/** The metrics that use the kernel (and so a bandwidth). */
const KERNEL_METRICS: readonly string[] = ['mmd', 'mmd-unbiased', 'ksd'];
/** Exit code of `metrics` when the Sinkhorn iteration did not reach its tolerance. */
export const EXIT_NOT_CONVERGED = 4;

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
    .action(async (specPath, o) => {
      const raw = readSpecFile(specPath) as Record<string, unknown>;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError('spec', raw, 'a JSON object');
      const spec: Record<string, unknown> = { ...raw };
      if (o.steps !== undefined) spec.steps = o.steps;
      if (o.seed !== undefined) spec.seed = o.seed;
      if (o.tau !== undefined) spec.tau = o.tau;
      if (o.eta !== undefined) spec.eta = o.eta;
      if (o.out !== undefined) spec.out = resolve(o.out);
      const signal = { stopped: false };
      const onSigint = () => {
        if (signal.stopped) process.exit(130);
        signal.stopped = true;
        io.err('\nmeasureflow: interrupted — writing the steps done so far (Ctrl-C again to abort)\n');
      };
      process.on('SIGINT', onSigint);
      try {
        const res = await runSpecFile(spec, {
          baseDir: dirname(resolve(specPath)),
          progress: !o.quiet && !o.json,
          signal,
          log: o.quiet ? undefined : io.err,
        });
        const last = res.result.history[res.result.history.length - 1];
        const first = res.result.history[0];
        if (o.json)
          io.out(
            `${JSON.stringify({ status: res.diverged ? 'diverged' : res.result.stopped ? 'interrupted' : 'completed', out: res.outDir, files: res.files, steps: res.result.stepsDone, first, last, ms: res.result.elapsedMs })}\n`,
          );
        else {
          const fmt = (r: typeof last) =>
            r
              ? Object.entries(r)
                  .filter(([k, v]) => k !== 'time' && v !== undefined)
                  .map(([k, v]) => `${k}=${typeof v === 'number' && k !== 'step' ? v.toPrecision(6) : v}`)
                  .join(' ')
              : '';
          io.out(`${String(spec.algorithm)}: ${res.result.stepsDone} steps in ${(res.result.elapsedMs / 1000).toFixed(2)} s\n`);
          io.out(`  start: ${fmt(first)}\n  end:   ${fmt(last)}\n`);
          io.out(`  results in ${res.outDir}\n`);
        }
        const e0 = first?.energy;
        const e1 = last?.energy;
        if (typeof e0 === 'number' && typeof e1 === 'number' && e1 > e0 + 1e-12 * Math.abs(e0))
          io.err(`measureflow: warning: the energy increased over the run (${e0.toPrecision(6)} -> ${e1.toPrecision(6)}); tau or eta may be too large\n`);
        if (res.diverged) {
          io.err(`measureflow: ${res.diverged}\n`);
          process.exitCode = 3;
        } else if (res.result.stopped) process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

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
    .addHelpText(
      'after',
      `\nExit codes: 0 ok; 2 bad input; ${EXIT_NOT_CONVERGED} the Sinkhorn divergence did not converge within --sinkhorn-max-iter (the value is still printed, with "converged": false in --json and a warning on stderr: raise --sinkhorn-max-iter or --eps).`,
    )
    .action((a, b, o) => {
      const wanted = o.metrics.split(',').map((s) => s.trim());
      for (const m of wanted)
        if (!(METRICS as readonly string[]).includes(m)) throw new InputError('--metrics', m, `one of ${METRICS.join(', ')}`);
      const mu = readParticles(a, { field: 'a' });
      const nu = b ? readParticles(b, { field: 'b' }) : null;
      if (!nu && wanted.some((m) => m !== 'ksd')) throw new InputError('b', undefined, `a second samples file for ${wanted.filter((m) => m !== 'ksd').join(', ')}`);
      if (nu && nu.d !== mu.d) throw new InputError('b.d', nu.d, `${mu.d} (the dimension of a)`);
      let sigma: number | undefined;
      if (o.kernel === 'energy' && o.sigma !== undefined)
        throw new InputError('--sigma', o.sigma, 'no bandwidth with --kernel energy (the energy kernel −|x−y| has none)');
      const usesKernel = wanted.some((m) => KERNEL_METRICS.includes(m));
      if (o.kernel !== 'energy') {
        if (o.sigma === undefined || o.sigma === 'median') {
          // The median heuristic only when a kernel metric needs it (w2/sinkhorn/energy do not).
          if (usesKernel) {
            const all = new Float64Array(mu.X.length + (nu?.X.length ?? 0));
            all.set(mu.X);
            if (nu) all.set(nu.X, mu.X.length);
            sigma = medianBandwidth(all, mu.d, 1000, '--sigma');
          }
        } else sigma = positiveNumber('--sigma')(o.sigma);
      }
      const kernel: Kernel | null =
        usesKernel || sigma !== undefined
          ? checkKernel(
              o.kernel === 'energy' ? { kind: 'energy', ...(o.beta ? { beta: o.beta } : {}) } : { kind: o.kernel, sigma, ...(o.beta ? { beta: o.beta } : {}) },
              o.kernel === 'energy' ? '--kernel' : '--sigma',
            )
          : null;
      const out: Record<string, number> = {};
      let sk: { converged: boolean; iterations: number; marginalError: number; tol: number; maxIter: number } | undefined;
      for (const m of wanted) {
        if (m === 'mmd') out.mmd = Math.sqrt(Math.max(0, mmdSquared(kernel!, mu, nu!)));
        else if (m === 'mmd-unbiased') out.mmdSquaredUnbiased = mmdSquaredUnbiased(kernel!, mu, nu!);
        else if (m === 'energy') out.energyDistance = energyDistance(mu, nu!);
        else if (m === 'w2') out.w2 = w2(mu, nu!);
        else if (m === 'sinkhorn') {
          const r = sinkhornDivergence(mu, nu!, { eps: o.eps, maxIter: o.sinkhornMaxIter, tol: o.sinkhornTol });
          out.sinkhornDivergence = r.divergence;
          sk = { converged: r.converged, iterations: r.iterations, marginalError: r.marginalError, tol: o.sinkhornTol, maxIter: o.sinkhornMaxIter };
        }
        else if (m === 'ksd') {
          if (!o.target) throw new InputError('--target', undefined, 'a target with a score for ksd (e.g. --target paper-gaussian-2d)');
          const t = makeTarget(parseTargetArg(o.target, '--target'), '--target');
          if (!t.score) throw new InputError('--target', o.target, 'a target with a score');
          if (t.d !== mu.d) throw new InputError('--target', o.target, `a target of dimension ${mu.d}`);
          out.ksd = Math.sqrt(Math.max(0, ksdSquared(kernel!, mu, t.score(mu.X))));
        }
      }
      const info = { kernel: kernel ? { ...kernel } : undefined, eps: wanted.includes('sinkhorn') ? o.eps : undefined, sinkhorn: sk, n: mu.n, m: nu?.n, d: mu.d };
      if (o.json) io.out(`${JSON.stringify({ ...out, ...info })}\n`);
      else {
        io.out(`${kernel ? `kernel ${JSON.stringify(info.kernel)}  ` : ''}n=${mu.n}${nu ? ` m=${nu.n}` : ''} d=${mu.d}\n`);
        for (const [k, v] of Object.entries(out)) {
          const note =
            k === 'sinkhornDivergence' && sk
              ? `  (${sk.converged ? 'converged' : 'NOT CONVERGED'}: ${sk.iterations} iterations, marginal error ${sk.marginalError.toExponential(2)})`
              : '';
          io.out(`${k.padEnd(20)} ${v.toPrecision(8)}${note}\n`);
        }
      }
      if (sk && !sk.converged) {
        io.err(
          `measureflow: warning: the Sinkhorn divergence did not converge: marginal error ${sk.marginalError.toExponential(2)} > --sinkhorn-tol ${sk.tol} after ${sk.iterations} iterations (eps = ${o.eps}); the value is not reliable — raise --sinkhorn-max-iter or --eps (exit code ${EXIT_NOT_CONVERGED})\n`,
        );
        process.exitCode = EXIT_NOT_CONVERGED;
      }
    });

  program
    .command('sample')
    .description(`draw n exact samples of a named target (${TARGET_NAMES.filter((t) => t !== 'samples').join(', ')})`)
    .argument('<target>', 'a name, a JSON object like \'{"name":"gaussian","mean":[0,0],"cov":[[1,0.5],[0.5,2]]}\', or a .json file')
    .requiredOption('-n, --n <n>', 'number of samples', positiveInt('--n'))
    .requiredOption('-o, --out <file>', 'output file (.csv, .npy or .json)')
    .option('--seed <n>', 'seed, an integer in [0, 4294967295]', seedInt('--seed'), 0)
    .option('--json', 'print a JSON summary on stdout')
    .action((targetArg, o) => {
      const t = makeTarget(parseTargetArg(targetArg, 'target'), 'target');
      if (!t.sample) throw new InputError('target', targetArg, 'a target with an exact sampler');
      checkArrayBudget('--n', o.n, t.d, totalmem());
      const X = t.sample(rng(o.seed, 0), o.n);
      writeParticles(o.out, particleMeasure(X, t.d));
      if (o.json) io.out(`${JSON.stringify({ out: resolve(o.out), n: o.n, d: t.d, seed: o.seed })}\n`);
      else io.out(`wrote ${o.n} samples of ${t.kind} (d = ${t.d}, seed ${o.seed}) to ${o.out}\n`);
    });

  registerExperimentCommand(program, io);

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

