/**
 * `measureflow sweep emit`: launch files for a planned sweep.
 *
 * - SLURM: an `sbatch` script whose array (`--array=0-(M−1)%K`, M = ⌈tasks / block⌉) runs
 *   `measureflow sweep run DIR --block B` once per index (each reads `SLURM_ARRAY_TASK_ID`),
 *   with the resources asked for and one log file per array task.
 * - Kubernetes: an indexed Job (`completionMode: Indexed`, `completions: M`) whose pods read
 *   `JOB_COMPLETION_INDEX`; the sweep folder lives on a shared volume claim.
 *
 * Both are plain text (the script and the YAML use only quoted scalars), so they can be read,
 * edited and versioned like any hand-written launch file.
 */
import { fileURLToPath } from 'node:url';
import { InputError } from '../../core/errors.js';
import type { SweepPlan } from './plan.js';
import { arraySize } from './run.js';

/** Quotes a word for a POSIX shell: '…' with embedded quotes as '\''. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The default command that runs measureflow on a compute node: this installation's bin under `node`. */
export function defaultMeasureflowCommand(): string {
  return `node ${shellQuote(fileURLToPath(new URL('../../../bin/measureflow.js', import.meta.url)))}`;
}

function checkLine(field: string, v: string | undefined): void {
  if (v !== undefined && (v.trim() === '' || /[\r\n]/.test(v))) throw new InputError(field, v, 'a non-empty value on one line');
}

function checkBlock(block: number | undefined): number {
  const b = block ?? 1;
  if (!Number.isSafeInteger(b) || b < 1) throw new InputError('--block', block, 'an integer >= 1');
  return b;
}

/** Options of {@link slurmScript}. */
export interface SlurmOptions {
  /** Tasks per array index (default 1). */
  block?: number;
  /** At most this many array tasks at once (`%K`); default: no limit. */
  maxParallel?: number;
  /** CPUs per array task (default 1); also the worker threads of each `sweep run`. */
  cpusPerTask?: number;
  /** `--mem`, e.g. `2G`. */
  mem?: string;
  /** `--time`, e.g. `01:00:00` or `2-00:00:00`; then also `--signal=B:TERM@120` (SIGTERM 2 min before the limit). */
  time?: string;
  partition?: string;
  account?: string;
  /** Default `measureflow-EXPERIMENT`. */
  jobName?: string;
  /** Extra `#SBATCH` options, each as written after `#SBATCH` (e.g. `--qos=short`). */
  sbatch?: string[];
  /** Folder of the per-task logs (default DIR/logs). */
  logDir?: string;
  /** How a compute node runs measureflow (default {@link defaultMeasureflowCommand}). */
  command?: string;
}

/**
 * The sbatch script of a sweep: `#SBATCH --array=0-(M−1)[%K]`, one log per array task
 * (`LOGDIR/%A_%a.log`: job id, array index), and a body that execs
 * `measureflow sweep run DIR --block B --workers $SLURM_CPUS_PER_TASK`.
 */
export function slurmScript(plan: SweepPlan, o: SlurmOptions = {}): string {
  const block = checkBlock(o.block);
  const m = arraySize(plan.tasks.length, block);
  if (m === 0) throw new InputError('sweep folder', plan.dir, 'a sweep with at least one task');
  if (o.maxParallel !== undefined && (!Number.isSafeInteger(o.maxParallel) || o.maxParallel < 1)) throw new InputError('--max-parallel', o.maxParallel, 'an integer >= 1');
  const cpus = o.cpusPerTask ?? 1;
  if (!Number.isSafeInteger(cpus) || cpus < 1) throw new InputError('--cpus-per-task', o.cpusPerTask, 'an integer >= 1');
  if (o.mem !== undefined && !/^\d+[KMGT]?$/i.test(o.mem)) throw new InputError('--mem', o.mem, 'a memory size such as 2G or 500M');
  if (o.time !== undefined && !/^(\d+-)?\d+(:\d+){0,2}$/.test(o.time)) throw new InputError('--time', o.time, 'a SLURM time limit such as 30, 01:00:00 or 2-00:00:00');
  for (const [f, v] of [
    ['--partition', o.partition],
    ['--account', o.account],
    ['--job-name', o.jobName],
    ['--command', o.command],
    ['--log-dir', o.logDir],
  ] as const)
    checkLine(f, v);
  for (const x of o.sbatch ?? []) checkLine('--sbatch', x);
  const logDir = o.logDir ?? `${plan.dir}/logs`;
  if (/\s/.test(logDir)) throw new InputError(o.logDir ? '--log-dir' : 'sweep folder', logDir, 'a path without spaces (#SBATCH --output cannot quote one)');
  const lines = ['#!/bin/bash', `#SBATCH --job-name=${shellQuote(o.jobName ?? `measureflow-${plan.experiment}`)}`, `#SBATCH --array=0-${m - 1}${o.maxParallel ? `%${o.maxParallel}` : ''}`];
  lines.push(`#SBATCH --cpus-per-task=${cpus}`, '#SBATCH --ntasks=1', `#SBATCH --output=${logDir}/%A_%a.log`);
  if (o.mem) lines.push(`#SBATCH --mem=${o.mem}`);
  // With a time limit, SIGTERM the task 2 minutes before it (SLURM's own SIGTERM at the limit is
  // followed by SIGKILL after KillWait, 30 s by default — short for a slow step).
  if (o.time) lines.push(`#SBATCH --time=${o.time}`, '#SBATCH --signal=B:TERM@120');
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.account) lines.push(`#SBATCH --account=${o.account}`);
  for (const x of o.sbatch ?? []) lines.push(`#SBATCH ${x}`);
  const dir = shellQuote(plan.dir);
  lines.push(
    '#',
    `# measureflow sweep of ${plan.experiment}: ${plan.tasks.length} tasks, ${block} per array index (${m} array tasks).`,
    `# Submit:   sbatch ${dir}/slurm.sh   (again after failures or time-outs: done tasks are skipped)`,
    `# Progress: measureflow sweep status ${dir}`,
    `# Merge:    measureflow sweep merge ${dir}`,
    '# At a time limit SLURM sends SIGTERM: the running task stops after its current step and keeps a partial result.',
    'set -eu',
    `exec ${o.command ?? defaultMeasureflowCommand()} sweep run ${dir} --block ${block} --workers "\${SLURM_CPUS_PER_TASK:-1}"`,
    '',
  );
  return lines.join('\n');
}

/** Options of {@link k8sJob}. */
export interface K8sOptions {
  /** Container image with measureflow installed (required). */
  image: string;
  /** PersistentVolumeClaim holding the sweep folder, shared by all pods (required). */
  pvc: string;
  /** Where the claim is mounted in the pod; the sweep folder is `mountPath` (default `/sweep`). */
  mountPath?: string;
  /** Sub-path of the claim mounted there (the sweep folder's path inside the volume). */
  subPath?: string;
  block?: number;
  /** `parallelism`: pods at once (default: all). */
  maxParallel?: number;
  /** CPU and memory requested (and limited) per pod; default `1` and `1Gi`. */
  cpu?: string;
  memory?: string;
  /** Job name (DNS-1123 label); default `measureflow-sweep`. */
  jobName?: string;
  namespace?: string;
  /** How the container runs measureflow (default `npx measureflow`). */
  command?: string;
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes indexed Job manifest (YAML) running `measureflow sweep run MOUNT --block B` per completion index. */
export function k8sJob(plan: SweepPlan, o: K8sOptions): string {
  const block = checkBlock(o.block);
  const m = arraySize(plan.tasks.length, block);
  if (m === 0) throw new InputError('sweep folder', plan.dir, 'a sweep with at least one task');
  if (typeof o.image !== 'string' || o.image.trim() === '') throw new InputError('--image', o.image, 'a container image with measureflow installed');
  if (typeof o.pvc !== 'string' || !DNS1123.test(o.pvc)) throw new InputError('--pvc', o.pvc, 'the name of a PersistentVolumeClaim holding the sweep folder');
  const name = o.jobName ?? 'measureflow-sweep';
  if (!DNS1123.test(name) || name.length > 63) throw new InputError('--job-name', name, 'a DNS-1123 label (lower-case letters, digits, "-"; at most 63)');
  if (o.namespace !== undefined && !DNS1123.test(o.namespace)) throw new InputError('--namespace', o.namespace, 'a DNS-1123 label');
  const mount = o.mountPath ?? '/sweep';
  if (!mount.startsWith('/')) throw new InputError('--mount-path', mount, 'an absolute path in the container');
  const par = o.maxParallel ?? m;
  if (!Number.isSafeInteger(par) || par < 1) throw new InputError('--max-parallel', o.maxParallel, 'an integer >= 1');
  for (const [f, v] of [
    ['--cpu', o.cpu],
    ['--memory', o.memory],
    ['--command', o.command],
    ['--sub-path', o.subPath],
  ] as const)
    checkLine(f, v);
  const q = (s: string) => JSON.stringify(s);
  const cmd = [...(o.command ?? 'npx measureflow').trim().split(/\s+/), 'sweep', 'run', mount, '--block', String(block)];
  const res = `{ cpu: ${q(o.cpu ?? '1')}, memory: ${q(o.memory ?? '1Gi')} }`;
  return [
    `# measureflow sweep of ${plan.experiment}: ${plan.tasks.length} tasks, ${block} per completion index (${m} pods).`,
    `# The sweep folder must be on the claim ${o.pvc}${o.subPath ? ` under ${o.subPath}` : ''}; each pod reads JOB_COMPLETION_INDEX.`,
    '# Apply: kubectl apply -f THIS_FILE. Re-applying after failures is safe: done tasks are skipped.',
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${q(name)}`,
    ...(o.namespace ? [`  namespace: ${q(o.namespace)}`] : []),
    '  labels:',
    `    app.kubernetes.io/name: "measureflow-sweep"`,
    'spec:',
    '  completionMode: Indexed',
    `  completions: ${m}`,
    `  parallelism: ${Math.min(par, m)}`,
    `  backoffLimit: ${Math.max(6, 2 * m)}`,
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      terminationGracePeriodSeconds: 120',
    '      containers:',
    '        - name: task',
    `          image: ${q(o.image)}`,
    `          command: [${cmd.map(q).join(', ')}]`,
    '          resources:',
    `            requests: ${res}`,
    `            limits: ${res}`,
    '          volumeMounts:',
    '            - name: sweep',
    `              mountPath: ${q(mount)}`,
    ...(o.subPath ? [`              subPath: ${q(o.subPath)}`] : []),
    '      volumes:',
    '        - name: sweep',
    '          persistentVolumeClaim:',
    `            claimName: ${q(o.pvc)}`,
    '',
  ].join('\n');
}
