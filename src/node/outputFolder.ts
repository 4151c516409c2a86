/**
 * The output folder of `measureflow run` and `measureflow experiment` (Node only): checked
 * before any computing, locked against a second concurrent run, and replaced as a whole.
 *
 * Files are written into a fresh staging folder; `commit()` swaps it in, so a reader (or a
 * run killed with `kill -9`, a full disk, a crash) sees either the previous run's complete set
 * of files or the new one's — never a mix, never a half-written file:
 *
 * - **swap** (the folder is new, or holds only measureflow's own output files, and its parent is
 *   writable): the staging folder `.<name>.mf-staging-<id>` sits next to the folder; on commit it
 *   is renamed to `.<name>.mf-ready-<id>`, the old folder to `.<name>.mf-old-<id>`, the ready one
 *   to the folder's name, and the old one is removed. Between the two renames the folder is
 *   briefly absent; a run interrupted there is repaired by the next one (the ready folder, or
 *   else the old one, is renamed back).
 * - **in place** (the folder holds other files, is a mount point or a symbolic link, or its
 *   parent is not writable): the staging folder `.mf-staging-<id>` sits inside it and commit
 *   renames each file over the old one (each file atomic, the manifest — `result.json` or
 *   `config.json`, naming every file with its SHA-256 — last), then removes measureflow's stale
 *   files of earlier runs. A crash during those few renames can leave a mix, detectable through
 *   the manifest.
 *
 * The lock is a file created atomically (`link`) next to the folder (`.<name>.measureflow-lock`,
 * or inside it when the parent is not writable) holding the pid, host and command; a lock whose
 * process is gone is taken over. Staging, ready, old and temporary files left by killed runs are
 * removed by the next run into the same folder.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';

/** Files measureflow writes into an output folder (run and experiment); anything else is the user's. */
const OUR_FILES = new Set([
  'result.json',
  'particles.csv',
  'positions.npy',
  'weights.npy',
  'history.csv',
  'history.svg',
  'history.png',
  'particles.svg',
  'particles.png',
  'config.json',
  'curves.csv',
  'curves.json',
  'index.html',
  'loss.svg',
  'loss.png',
  'histograms.svg',
  'histograms.png',
  // the inputs a run used (so its folder can be re-checked on its own)
  'init.npy',
  'init-weights.npy',
  'target.npy',
  'target-weights.npy',
  // the Gaussian / graph spaces and their experiments
  'gaussian.svg',
  'gaussian.png',
  'ellipses.svg',
  'ellipses.png',
  'mass.svg',
  'mass.png',
  'energy.svg',
  'energy.png',
  'entropy-decay.svg',
  'entropy-decay.png',
  'path-mass.svg',
  'path-mass.png',
]);
/** Temporary files of the per-file atomic writes (`files.ts`, `render.ts`) and staging folders. */
const TEMP = [/^\..+\.\d+\.[0-9a-f]+\.tmp$/, /\.\d+\.[0-9a-f-]{36}\.tmp$/, /^\.mf-staging-/, /^\.measureflow-lock/];

/** True for the names measureflow itself writes into an output folder (outputs and temporary files). */
export function isMeasureflowFile(name: string): boolean {
  return (
    OUR_FILES.has(name) ||
    /^trajectories-[A-Za-z0-9-]+\.(svg|png)$/.test(name) ||
    /^[a-z0-9-]+-(mmd2|ksd|ess)\.(svg|png)$/.test(name) || // the open-direction experiments' curves
    TEMP.some((r) => r.test(name))
  );
}

/** Human text of a file-system error: "no space left on device (ENOSPC)". */
export function fsCause(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  const text: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder',
    EEXIST: 'it already exists',
    ENOENT: 'no such file or folder',
    EBUSY: 'busy (a mount point?)',
    EXDEV: 'on another file system',
    EIO: 'input/output error',
  };
  if (code) return `${text[code] ?? err.message} (${code})`;
  return e instanceof Error ? e.message : String(e);
}

/** An error writing the results: names the file and the cause; the folder keeps its previous contents. */
export class OutputWriteError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  constructor(path: string, cause: unknown) {
    super(`could not write ${path}: ${fsCause(cause)}; the output folder keeps its previous contents`);
    this.name = 'OutputWriteError';
    this.path = path;
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

/**
 * The final path of a file whose write into the staging folder failed with `e` (the error's own
 * path names a temporary file in the staging folder); `fallback` when it names none.
 */
export function finalPathOf(folder: OutputFolder, e: unknown, fallback: string): string {
  const p = (e as NodeJS.ErrnoException)?.path;
  if (typeof p !== 'string') return join(folder.path, fallback);
  return join(folder.path, basename(p).replace(/\.\d+\.[0-9a-f-]{36}\.tmp$/, ''));
}

export interface OutputFolderOptions {
  /** Name of the setting in messages (`out`, `--out`). */
  field: string;
  /** The command, recorded in the lock (`measureflow run`). */
  command: string;
}

/** An output folder opened for one run: write into `staging`, then `commit()` (or `abort()`). */
export interface OutputFolder {
  /** The folder the results end up in. */
  readonly path: string;
  /** Where the files are written until `commit()`. */
  readonly staging: string;
  /** Random id of this run, recorded in its manifest. */
  readonly runId: string;
  readonly mode: 'swap' | 'in-place';
  /** Writes `name` into the staging folder (flushed to disk); returns its final path. Errors name the final path. */
  write(name: string, data: string | Uint8Array): string;
  /** SHA-256 (hex) of every file now in the staging folder. */
  checksums(): Record<string, string>;
  /** Puts the staged files in place (see the module comment) and releases the lock. */
  commit(): void;
  /** Drops the staged files and releases the lock; the folder keeps its previous contents. Synchronous. */
  abort(): void;
}

const open = new Set<OutputFolder>();
let exitHook = false;

/** Aborts every folder still open (for a second Ctrl-C before `process.exit`). */
export function abortOpenFolders(): void {
  for (const f of [...open]) f.abort();
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** Creates `dir` and its missing parents, with errors that name the path and the real cause. */
function makeFolder(dir: string, field: string, shown: string = dir): void {
  const missing: string[] = [];
  let p = dir;
  for (;;) {
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(p);
    } catch (e) {
      if (code(e) === 'ENOTDIR') {
        missing.push(p);
        p = dirname(p);
        continue;
      }
      if (code(e) !== 'ENOENT') throw new InputError(field, shown, 'a folder that can be created', `cannot reach ${p}: ${fsCause(e)}`);
    }
    if (st) {
      if (!st.isDirectory()) throw new InputError(field, shown, 'a folder that can be created', `${p} is a file, not a folder`);
      break;
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      if (code(e) === 'EEXIST') continue;
      throw new InputError(field, shown, 'a folder that can be created', `cannot create ${m}: ${fsCause(e)}`);
    }
  }
}

function writable(p: string): unknown {
  try {
    accessSync(p, constants.W_OK | constants.X_OK);
    return null;
  } catch (e) {
    return e;
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) === 'EPERM';
  }
}

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
}

/** Takes the lock file at `lock` (atomically: a complete temp file hard-linked to the name). */
function takeLock(lock: string, folder: string, o: OutputFolderOptions): void {
  const info: LockInfo = { pid: process.pid, host: hostname(), command: o.command, started: new Date().toISOString() };
  const tmp = `${lock}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(info)}\n`, { flag: 'wx' });
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(o.field, folder, 'a writable folder', `cannot write ${tmp}: ${fsCause(e)}`);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, lock);
        return;
      } catch (e) {
        if (code(e) !== 'EEXIST') {
          // file systems without hard links: exclusive create instead
          try {
            writeFileSync(lock, `${JSON.stringify(info)}\n`, { flag: 'wx' });
            return;
          } catch (e2) {
            if (code(e2) !== 'EEXIST') throw new InputError(o.field, folder, 'a writable folder', `cannot create the lock ${lock}: ${fsCause(e2)}`);
          }
        }
      }
      let held: Partial<LockInfo> = {};
      try {
        held = JSON.parse(readFileSync(lock, 'utf8')) as Partial<LockInfo>;
      } catch {
        // unreadable or empty: a lock written by something else; treated as stale below
      }
      const sameHost = held.host === undefined || held.host === hostname();
      if (held.pid !== undefined && (!sameHost || pidAlive(held.pid)))
        throw new InputError(
          o.field,
          folder,
          'a folder no other run is writing to',
          `it is in use by ${held.command ?? 'another measureflow run'} (pid ${held.pid}${sameHost ? '' : ` on ${held.host}`}, started ${held.started ?? '?'}); wait for it to finish, or choose another folder — if no such run exists, remove ${lock}`,
        );
      // stale (its process is gone): take it over
      rmSync(lock, { force: true });
    }
    throw new InputError(o.field, folder, 'a folder no other run is writing to', `could not take the lock ${lock}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported everywhere (e.g. some network file systems); the renames still happened
  }
}

/**
 * Checks and opens the output folder `path` for one run, before any computing: it must exist
 * or be creatable, be a folder, and be writable; another live run into it is refused (an
 * `InputError` naming the path and the real cause). Leftovers of killed runs are cleaned up.
 */
export function openOutputFolder(path: string, o: OutputFolderOptions): OutputFolder {
  if (typeof path !== 'string' || path.trim() === '') throw new InputError(o.field, path, 'a folder path');
  const T = resolve(path);
  const P = dirname(T);
  const name = basename(T);
  if (P === T) throw new InputError(o.field, path, 'a folder below the file-system root');
  let tStat: ReturnType<typeof lstatSync> | undefined;
  try {
    tStat = lstatSync(T);
  } catch (e) {
    if (code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR') throw new InputError(o.field, T, 'a writable folder', fsCause(e));
    if (code(e) === 'ENOTDIR') tStat = undefined;
  }
  let isLink = false;
  if (tStat?.isSymbolicLink()) {
    isLink = true;
    try {
      tStat = statSync(T);
    } catch (e) {
      throw new InputError(o.field, T, 'a writable folder', `a symbolic link to ${fsCause(e)}`);
    }
  }
  if (tStat && !tStat.isDirectory()) throw new InputError(o.field, T, 'a folder', `${T} is a file, not a folder`);
  makeFolder(P, o.field, T);
  const pErr = writable(P);
  if (tStat) {
    const tErr = writable(T);
    if (tErr) throw new InputError(o.field, T, 'a writable folder', `cannot write into ${T}: ${fsCause(tErr)}`);
  } else if (pErr) throw new InputError(o.field, T, 'a folder that can be created', `cannot create ${T}: ${fsCause(pErr)}`);

  // the lock: next to the folder when its parent is writable, else inside it
  const lock = pErr ? join(T, '.measureflow-lock') : join(P, `.${name}.measureflow-lock`);
  takeLock(lock, T, o);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    rmSync(lock, { force: true });
  };

  try {
    // leftovers of killed runs (we hold the lock: nobody else is working on this folder)
    const prefix = `.${name}.mf-`;
    if (!pErr) {
      const left = readdirSync(P).filter((e) => e.startsWith(prefix));
      if (!tStat) {
        // a swap interrupted between its two renames: put the new (or else the old) folder back
        const back = left.find((e) => e.startsWith(`${prefix}ready-`)) ?? left.find((e) => e.startsWith(`${prefix}old-`));
        if (back) {
          renameSync(join(P, back), T);
          tStat = statSync(T);
        }
      }
      for (const e of readdirSync(P)) if (e.startsWith(prefix)) rmSync(join(P, e), { recursive: true, force: true });
    }
    let entries: string[] = [];
    if (tStat) {
      entries = readdirSync(T);
      for (const e of entries)
        if (TEMP.some((r) => r.test(e)) && join(T, e) !== lock) {
          rmSync(join(T, e), { recursive: true, force: true });
        }
      entries = readdirSync(T).filter((e) => join(T, e) !== lock);
    }
    const sameDevice = !tStat || tStat.dev === statSync(P).dev;
    const swap = !pErr && !isLink && sameDevice && entries.every(isMeasureflowFile);
    const runId = `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const staging = swap ? join(P, `${prefix}staging-${runId}`) : join(T, `.mf-staging-${runId}`);
    try {
      mkdirSync(staging);
    } catch (e) {
      throw new InputError(o.field, T, 'a writable folder', `cannot create ${staging}: ${fsCause(e)}`);
    }
    const written = new Set<string>();
    const folder: OutputFolder = {
      path: T,
      staging,
      runId,
      mode: swap ? 'swap' : 'in-place',
      write(file, data) {
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file)) throw new InputError('file name', file, 'a plain file name');
        const p = join(staging, file);
        let fd: number | undefined;
        try {
          fd = openSync(p, 'w');
          writeFileSync(fd, data);
          fsyncSync(fd);
        } catch (e) {
          throw new OutputWriteError(join(T, file), e);
        } finally {
          if (fd !== undefined) closeSync(fd);
        }
        written.add(file);
        return join(T, file);
      },
      checksums() {
        const out: Record<string, string> = {};
        for (const f of readdirSync(staging).sort()) out[f] = createHash('sha256').update(readFileSync(join(staging, f))).digest('hex');
        return out;
      },
      commit() {
        const files = readdirSync(staging);
        try {
          if (swap) {
            const ready = join(P, `${prefix}ready-${runId}`);
            renameSync(staging, ready);
            let exists = true;
            try {
              statSync(T);
            } catch {
              exists = false;
            }
            if (exists) {
              // anything the user put there during the run goes along
              for (const e of readdirSync(T)) if (!isMeasureflowFile(e) && join(T, e) !== lock) renameSync(join(T, e), join(ready, e));
              const old = join(P, `${prefix}old-${runId}`);
              renameSync(T, old);
              renameSync(ready, T);
              fsyncDir(P);
              rmSync(old, { recursive: true, force: true });
            } else {
              renameSync(ready, T);
              fsyncDir(P);
            }
          } else {
            const manifests = ['config.json', 'result.json'];
            const order = [...files.filter((f) => !manifests.includes(f)), ...files.filter((f) => manifests.includes(f))];
            for (const f of order) renameSync(join(staging, f), join(T, f));
            for (const e of readdirSync(T)) if (isMeasureflowFile(e) && !files.includes(e) && join(T, e) !== lock && !TEMP.some((r) => r.test(e))) rmSync(join(T, e), { force: true });
            rmSync(staging, { recursive: true, force: true });
            fsyncDir(T);
          }
        } catch (e) {
          throw new OutputWriteError(T, e);
        } finally {
          open.delete(folder);
          release();
        }
      },
      abort() {
        open.delete(folder);
        try {
          rmSync(staging, { recursive: true, force: true });
        } catch {
          // best effort: the next run into this folder removes it
        }
        release();
      },
    };
    open.add(folder);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', abortOpenFolders);
    }
    return folder;
  } catch (e) {
    release();
    throw e;
  }
}
