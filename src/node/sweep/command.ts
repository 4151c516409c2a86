/**
 * `measureflow sweep plan|run|emit|status|merge`: an experiment, or a grid over its settings, as
 * independent tasks that run anywhere — a SLURM array, a Kubernetes indexed Job, an AWS Batch
 * array, or this machine's cores — and merge into exactly the report `experiment` writes.
 * Wire it with `registerSweepCommand(program, io)` in `buildProgram`.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { InputError } from '../../core/errors.js';
import type { ExperimentOverrides } from '../../experiments/index.js';
import { overridesFromFlags } from '../experimentCommand.js';
import { CONVENTIONS, EXPERIMENT_NAMES, IFT_VARIANTS, LOSS_SAMPLES, TARGET_SAMPLES } from '../../experiments/index.js';
import { nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber } from '../cliParsers.js';
import { writeFileAtomic } from '../files.js';
import { k8sJob, slurmScript } from './emit.js';
import { mergeSweep } from './merge.js';
import { describeTask, GRID_PARAMS, type GridAxis, parseGridArg, planSweep, readSweep, type SweepPlan } from './plan.js';
import { formatRanges, readTaskError, sweepState, taskFiles } from './results.js';
import { arrayIndexFromEnv, arraySize, blockTasks, createStopFlag, INDEX_ENV_VARS, runSweepTasks, stopOnSignals, summaryLine, type SweepRunSummary } from './run.js';

type Io = { out: (s: string) => void; err: (s: string) => void };

const PLAN_HELP = `
Writes DIR/sweep.json (resolved settings of every grid point) and DIR/tasks.jsonl (one task per
grid point × run × method, with its seed and content hash). Run r uses rng(seed, r), exactly as
\`measureflow experiment\`, so the merged report equals the single-machine one bit for bit.

Grid: --grid 'PARAM=V1,V2,…', repeatable (Cartesian product, the first --grid varying slowest).
PARAM is one of ${Object.keys(GRID_PARAMS).join(', ')}.

Then:  measureflow sweep emit slurm DIR && sbatch DIR/slurm.sh      (or: emit k8s, emit local)
       measureflow sweep status DIR
       measureflow sweep merge DIR
`;

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

function runExitCode(s: SweepRunSummary): number {
  if (s.stoppedBy) return 128 + s.stoppedBy;
  return s.failed.length > 0 ? 1 : 0;
}

async function runAndReport(plan: SweepPlan, tasks: number[], workers: number, io: Io, json: boolean, extra: { arrayIndex?: number; indexSource?: string }): Promise<number> {
  const stop = createStopFlag();
  const off = stopOnSignals(stop, io.err);
  try {
    const s = await runSweepTasks({ plan, tasks, workers, stop, ...extra, log: json ? undefined : io.err });
    if (json) io.out(`${JSON.stringify({ dir: plan.dir, tasks, ...extra, ...s })}\n`);
    else io.out(summaryLine(s, plan));
    return runExitCode(s);
  } finally {
    off();
  }
}

/** Adds the `sweep` command and its subcommands to the program. */
export function registerSweepCommand(program: Command, io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): void {
  const sweep = program
    .command('sweep')
    .description('run an experiment (or a grid over its settings) as independent tasks on a cluster (SLURM, Kubernetes, AWS Batch) or locally, then merge');

  // The experiment's flags, as `measureflow experiment` has them (a test keeps the two lists equal).
  sweep
    .command('plan')
    .description('plan a sweep: write DIR/sweep.json and DIR/tasks.jsonl')
    .argument('<experiment>', `one of ${EXPERIMENT_NAMES.join(', ')}`)
    .requiredOption('-o, --out <dir>', 'the sweep folder (on storage every node sees)')
    .option('--grid <param=values>', "a setting to sweep, e.g. 'sigma=1,2,5' (repeatable)", collect)
    .option('--force', 'replace a different plan in the folder')
    .option('--runs <r>', 'independent runs', positiveInt('--runs'))
    .option('--n <n>', 'particles', positiveInt('--n'))
    .option('--m <m>', 'target samples per draw (default n)', positiveInt('--m'))
    .option('--sigma <x>', 'Gaussian kernel bandwidth σ', positiveNumber('--sigma'))
    .option('--tau <x>', 'position step', positiveNumber('--tau'))
    .option('--eta <x>', 'IFT weight step', positiveNumber('--eta'))
    .option('--eta-kl <x>', 'WFR KL weight step', positiveNumber('--eta-kl'))
    .option('--noise-level <x>', 'noise level of MMD flow + noise', nonNegativeNumber('--noise-level'))
    .option('--noise-until <steps>', 'switch the noise off from this step on', nonNegativeInt('--noise-until'))
    .option('--steps <n>', 'steps (one IFT/WFR iteration = 2 steps)', positiveInt('--steps'))
    .addOption(new Option('--variant <v>', 'IFT weight step').choices(IFT_VARIANTS))
    .addOption(new Option('--target-samples <mode>', 'fixed draw per run, or redrawn every iteration').choices(TARGET_SAMPLES))
    .addOption(new Option('--convention <c>', 'how step sizes are read').choices(CONVENTIONS))
    .option('--test-size <n>', 'size of the fixed test sample of π for the loss', positiveInt('--test-size'))
    .addOption(new Option('--loss-sample <s>', 'measure MMD² against the test sample or the training sample Y').choices(LOSS_SAMPLES))
    .option('--record-every <steps>', 'record the loss every this many steps (even)', positiveInt('--record-every'))
    .option('--methods <list>', 'comma-separated subset of mmd-flow,mmd-flow-noise,ift,wfr')
    .option('--path-particles <k>', 'particles of run 0 whose paths are drawn', nonNegativeInt('--path-particles'))
    .option('--seed <n>', 'master seed (run r uses rng(seed, r))', nonNegativeInt('--seed'))
    .addOption(new Option('--d <d>', 'sliced-mmd: dimension, 2 or 100').argParser(positiveInt('--d')))
    .addOption(new Option('--kernel <k>', 'kernel family (default gaussian; sliced-mmd: energy)').choices(['gaussian', 'energy'] as const))
    .addOption(new Option('--sums <method>', 'kernel sums: exact, sliced (energy kernel), features (Gaussian kernel)').choices(['exact', 'sliced', 'features'] as const))
    .option('--directions <P>', 'sliced sums: directions per step', positiveInt('--directions'))
    .addOption(new Option('--sampling <s>', 'sliced sums: directions drawn random, orthogonal or qmc').choices(['random', 'orthogonal', 'qmc'] as const))
    .option('--features <D>', 'feature sums: random Fourier features', positiveInt('--features'))
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', PLAN_HELP)
    .action((name, o) => {
      if (o.out.trim() === '') throw new InputError('--out', o.out, 'a folder path');
      const base: ExperimentOverrides = overridesFromFlags(o);
      const grid: GridAxis[] = (o.grid ?? []).map(parseGridArg);
      const plan = planSweep({ experiment: name, base, grid, dir: o.out, force: o.force === true });
      if (o.json) io.out(`${JSON.stringify({ dir: plan.dir, experiment: plan.experiment, tasks: plan.tasks.length, points: plan.points.map((p) => p.label) })}\n`);
      else {
        const g = plan.grid.length ? `, grid ${plan.grid.map((a) => `${a.param} ∈ {${a.values.join(', ')}}`).join(' × ')} (${plan.points.length} points)` : '';
        io.out(`planned ${plan.tasks.length} tasks of ${plan.experiment}${g} in ${plan.dir}\n`);
        io.out(`  next: measureflow sweep emit slurm ${plan.dir}   (or emit k8s / emit local)\n`);
      }
    });

  sweep
    .command('run')
    .description(`run the tasks of one array index (--index, or ${INDEX_ENV_VARS.join(' / ')}), or --all`)
    .argument('<dir>', 'the sweep folder')
    .option('--index <i>', 'array index (default: from the environment)', nonNegativeInt('--index'))
    .option('--block <b>', 'tasks per array index: index i runs tasks i·b … (i+1)·b − 1', positiveInt('--block'), 1)
    .option('--all', 'run every task not yet done')
    .option('--workers <k>', 'worker threads (default 1)', positiveInt('--workers'), 1)
    .option('--json', 'print a JSON summary on stdout')
    .action(async (dir, o) => {
      const plan = readSweep(dir);
      let tasks: number[];
      let extra: { arrayIndex?: number; indexSource?: string } = {};
      if (o.all) {
        if (o.index !== undefined) throw new InputError('--index', o.index, 'no --index together with --all');
        tasks = plan.tasks.map((t) => t.index);
      } else {
        const fromEnv = o.index === undefined ? arrayIndexFromEnv() : undefined;
        const index = o.index ?? fromEnv?.index;
        const source = o.index !== undefined ? '--index' : fromEnv?.source;
        if (index === undefined) throw new InputError('--index', undefined, `an array index: --index I, or one of ${INDEX_ENV_VARS.join(', ')} set, or --all`);
        tasks = blockTasks(index, o.block, plan.tasks.length, source ?? '--index');
        extra = { arrayIndex: index, ...(source ? { indexSource: source } : {}) };
      }
      process.exitCode = await runAndReport(plan, tasks, o.workers, io, o.json === true, extra);
    });

  const emit = sweep.command('emit').description('write launch files: an sbatch script (slurm), an indexed Job (k8s), or run here (local)');
  emit
    .command('slurm')
    .description('write DIR/slurm.sh: an sbatch job array, one log per array task')
    .argument('<dir>', 'the sweep folder')
    .option('--block <b>', 'tasks per array task (so 10⁴ tasks fit under MaxArraySize)', positiveInt('--block'), 1)
    .option('--max-parallel <k>', 'at most k array tasks at once (--array=…%k)', positiveInt('--max-parallel'))
    .option('--cpus-per-task <c>', 'CPUs per array task (also its worker threads)', positiveInt('--cpus-per-task'), 1)
    .option('--mem <size>', 'memory per array task, e.g. 2G')
    .option('--time <limit>', 'time limit per array task, e.g. 01:00:00')
    .option('--partition <p>', 'partition')
    .option('--account <a>', 'account')
    .option('--job-name <name>', 'job name (default measureflow-EXPERIMENT)')
    .option('--sbatch <option>', "an extra #SBATCH option, e.g. '--qos=short' (repeatable)", collect)
    .option('--command <cmd>', 'how a compute node runs measureflow (default: node and this installation)')
    .option('--out <file>', 'script path (default DIR/slurm.sh)')
    .option('--json', 'print a JSON summary on stdout')
    .action((dir, o) => {
      const plan = readSweep(dir);
      const script = slurmScript(plan, {
        block: o.block,
        maxParallel: o.maxParallel,
        cpusPerTask: o.cpusPerTask,
        mem: o.mem,
        time: o.time,
        partition: o.partition,
        account: o.account,
        jobName: o.jobName,
        sbatch: o.sbatch,
        command: o.command,
      });
      const path = resolve(o.out ?? join(plan.dir, 'slurm.sh'));
      mkdirSync(join(plan.dir, 'logs'), { recursive: true });
      writeFileAtomic(path, script);
      chmodSync(path, 0o755);
      const m = arraySize(plan.tasks.length, o.block);
      if (o.json) io.out(`${JSON.stringify({ script: path, arrayTasks: m, tasks: plan.tasks.length, block: o.block })}\n`);
      else io.out(`wrote ${path}: ${m} array tasks for ${plan.tasks.length} tasks\n  submit: sbatch ${path}\n`);
    });
  emit
    .command('k8s')
    .description('write DIR/k8s-job.yaml: a Kubernetes indexed Job')
    .argument('<dir>', 'the sweep folder')
    .requiredOption('--image <image>', 'container image with measureflow installed')
    .requiredOption('--pvc <claim>', 'PersistentVolumeClaim that holds the sweep folder')
    .option('--mount-path <path>', 'where the claim is mounted; the sweep folder there', '/sweep')
    .option('--sub-path <path>', "the sweep folder's path inside the volume")
    .option('--block <b>', 'tasks per pod', positiveInt('--block'), 1)
    .option('--max-parallel <k>', 'pods at once (parallelism)', positiveInt('--max-parallel'))
    .option('--cpu <c>', 'CPU per pod', '1')
    .option('--memory <m>', 'memory per pod', '1Gi')
    .option('--job-name <name>', 'Job name', 'measureflow-sweep')
    .option('--namespace <ns>', 'namespace')
    .option('--command <cmd>', 'how the container runs measureflow', 'npx measureflow')
    .option('--out <file>', 'manifest path (default DIR/k8s-job.yaml)')
    .option('--json', 'print a JSON summary on stdout')
    .action((dir, o) => {
      const plan = readSweep(dir);
      const yaml = k8sJob(plan, {
        image: o.image,
        pvc: o.pvc,
        mountPath: o.mountPath,
        subPath: o.subPath,
        block: o.block,
        maxParallel: o.maxParallel,
        cpu: o.cpu,
        memory: o.memory,
        jobName: o.jobName,
        namespace: o.namespace,
        command: o.command,
      });
      const path = resolve(o.out ?? join(plan.dir, 'k8s-job.yaml'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileAtomic(path, yaml);
      const m = arraySize(plan.tasks.length, o.block);
      if (o.json) io.out(`${JSON.stringify({ manifest: path, completions: m, tasks: plan.tasks.length, block: o.block })}\n`);
      else io.out(`wrote ${path}: an indexed Job of ${m} completions for ${plan.tasks.length} tasks\n  apply: kubectl apply -f ${path}\n`);
    });
  emit
    .command('local')
    .description("run every task not yet done on this machine's cores (what `experiment` does)")
    .argument('<dir>', 'the sweep folder')
    .option('--workers <k>', `worker threads (default ${availableParallelism()})`, positiveInt('--workers'))
    .option('--json', 'print a JSON summary on stdout')
    .action(async (dir, o) => {
      const plan = readSweep(dir);
      process.exitCode = await runAndReport(
        plan,
        plan.tasks.map((t) => t.index),
        o.workers ?? availableParallelism(),
        io,
        o.json === true,
        {},
      );
    });

  sweep
    .command('status')
    .description('count done / failed / partial / missing tasks and say which')
    .argument('<dir>', 'the sweep folder')
    .option('--list', 'describe every task not done (default: the first 10 of each kind)')
    .option('--json', 'print JSON on stdout')
    .action((dir, o) => {
      const plan = readSweep(dir);
      const st = sweepState(plan);
      if (o.json) {
        io.out(
          `${JSON.stringify({
            dir: plan.dir,
            experiment: plan.experiment,
            counts: { done: st.done.length, failed: st.failed.length, partial: st.partial.length, missing: st.missing.length },
            ...st,
            errors: st.failed.map((i) => ({ index: i, error: errorOf(plan, i) })),
          })}\n`,
        );
        return;
      }
      io.out(`sweep ${plan.experiment} in ${plan.dir}: ${st.total} tasks — ${st.done.length} done, ${st.failed.length} failed, ${st.partial.length} partial, ${st.missing.length} missing\n`);
      const limit = o.list ? Infinity : 10;
      const show = (kind: string, xs: number[], err: boolean) => {
        if (xs.length === 0) return;
        io.out(`  ${kind}: ${formatRanges(xs)}\n`);
        for (const i of xs.slice(0, limit)) io.out(`    ${i}: ${describeTask(plan.tasks[i]!)}${err ? ` — ${errorOf(plan, i)}` : ''}\n`);
        if (xs.length > limit) io.out(`    … ${xs.length - limit} more (--list)\n`);
      };
      show('failed', st.failed, true);
      show('partial (stopped by a signal; rerun to finish)', st.partial, false);
      show('missing', st.missing, false);
      if (st.stale.length) io.out(`  ${st.stale.length} result files of another plan are ignored\n`);
    });

  sweep
    .command('merge')
    .description('merge the results into curves, figures and the HTML report (as `experiment` writes them); for a grid, a summary')
    .argument('<dir>', 'the sweep folder')
    .option('--out <dir>', 'output folder (default DIR/merged)')
    .option('--allow-missing', 'merge the tasks that are done even if others are not')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (dir, o) => {
      const warnings: string[] = [];
      const res = await mergeSweep({ dir, out: o.out, allowMissing: o.allowMissing === true, onWarning: (m) => warnings.push(m) });
      const notDone = res.state.total - res.state.done.length;
      if (o.json) {
        io.out(`${JSON.stringify({ out: res.out, points: res.points.map((p) => ({ label: p.label, outDir: p.outDir, files: p.files, table: p.table })), summaryFiles: res.summaryFiles, notDone })}\n`);
        return;
      }
      for (const w of warnings) io.err(`measureflow: warning: ${w}\n`);
      if (notDone > 0) io.err(`measureflow: warning: ${notDone} of ${res.state.total} tasks not done; merged the others (--allow-missing)\n`);
      for (const p of res.points) {
        io.out(`${p.label || 'report'}: ${resolve(p.outDir, 'index.html')}\n`);
        const cols = p.table.columns;
        const widths = cols.map((c, j) => Math.max(c.length, ...p.table.rows.map((r) => r[j]!.length)));
        const line = (cells: string[]) => `  ${cells.map((c, j) => c.padEnd(widths[j]!)).join('  ')}\n`;
        io.out(line(cols));
        for (const r of p.table.rows) io.out(line(r));
      }
      if (res.summaryFiles.length) io.out(`summary: ${resolve(res.out, 'index.html')} (summary.csv, ${res.summaryFiles.filter((f) => f.endsWith('.svg')).join(', ')})\n`);
    });
}

function errorOf(plan: SweepPlan, i: number): string {
  try {
    return readTaskError(taskFiles(plan.dir, plan.tasks[i]!).error).error;
  } catch {
    return '(unreadable error file)';
  }
}
