/**
 * Particle files on disk (Node only): the edge between the file system and the pure
 * parsers of `src/io`. Everything here is synchronous: files are read once per run.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { type ParticleMeasure, particleMeasure, type Space } from '../core/measure.js';
import { type CsvHeaderMode, formatCsv, parseParticlesCsv } from '../io/csv.js';
import { formatParticlesJson, parseParticlesJson } from '../io/json.js';
import { readNpy, writeNpy } from '../io/npy.js';

/** File extensions {@link readParticles} and {@link writeParticles} understand (case-insensitive). */
export const PARTICLE_FILE_EXTENSIONS: readonly string[] = ['.csv', '.npy', '.json'];

/** Options of {@link readParticles}. */
export interface ReadParticlesOptions {
  /** Name used in error messages, e.g. `"init.particles"`; the path is appended. Default `"particles"`. */
  field?: string;
  /** 'P' (default): weights must sum to 1; 'M+': only ≥ 0. */
  space?: Space;
  /** CSV only: header mode, see `parseCsv`. Default `'auto'`. */
  header?: CsvHeaderMode;
  /** CSV only: weights column, see `parseParticlesCsv`. Default: a header column `w`, `weight` or `weights`. */
  weightsColumn?: string | false;
}

/** Options of {@link writeParticles}. */
export interface WriteParticlesOptions {
  /** CSV only: names of the d coordinate columns (default `x0…x{d−1}`); the weights column is `w`. */
  header?: string[];
}

function extensionOf(path: string, field: string): string {
  const ext = extname(path).toLowerCase();
  if (!PARTICLE_FILE_EXTENSIONS.includes(ext)) {
    throw new InputError(field, path, `a file ending in ${PARTICLE_FILE_EXTENSIONS.join(', ')}`, ext ? `unknown extension '${ext}'` : 'no extension');
  }
  return ext;
}

function readFile(path: string, field: string, encoding?: 'utf8'): string | Buffer {
  try {
    return encoding ? readFileSync(path, encoding) : readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(field, path, 'an existing file', 'no such file');
    if (code === 'EISDIR') throw new InputError(field, path, 'a file', 'it is a directory');
    throw new InputError(field, path, 'a readable file', `${code ?? 'error'}: ${(e as Error).message}`);
  }
}

/**
 * Reads a particle measure µ = Σᵢ wᵢ δ_{xᵢ} from a file, the format chosen by extension:
 * - `.csv`: one row per particle (see `parseParticlesCsv`); a header column `w`, `weight`
 *   or `weights` holds the weights;
 * - `.npy`: a 1-d array `[n]` (d = 1) or 2-d array `[n, d]` of any dtype `readNpy` reads;
 *   weights are uniform;
 * - `.json`: rows or `{"positions", "weights"}` (see `parseParticlesJson`).
 * Weights default to uniform 1/n. The result is validated by `particleMeasure` (finite
 * positions, weights ≥ 0 summing to 1 on P).
 *
 * Every problem is an `InputError` whose field is `${field} (${path})` plus the place in
 * the file (line and column, JSON path, or npy header entry); an unknown extension names
 * the accepted ones; a missing file names the path.
 *
 * @param path - the file to read.
 * @param opts - see {@link ReadParticlesOptions}.
 * @returns the validated measure, `X [n, d]`, `w [n]`.
 */
export function readParticles(path: string, opts: ReadParticlesOptions = {}): ParticleMeasure {
  const field = opts.field ?? 'particles';
  if (typeof path !== 'string' || path === '') throw new InputError(field, path, 'a file path');
  const ext = extensionOf(path, field);
  const where = `${field} (${path})`;
  let X: Float64Array;
  let d: number;
  let w: Float64Array | undefined;
  if (ext === '.npy') {
    const arr = readNpy(readFile(path, field) as Buffer, where);
    if (arr.shape.length !== 1 && arr.shape.length !== 2) {
      throw new InputError(`${where}.shape`, `(${arr.shape.join(', ')})`, 'a 1-d array [n] or a 2-d array [n, d]');
    }
    X = arr.data;
    d = arr.shape.length === 1 ? 1 : arr.shape[1]!;
  } else {
    const text = readFile(path, field, 'utf8') as string;
    const parsed =
      ext === '.csv'
        ? parseParticlesCsv(text, { field: where, header: opts.header ?? 'auto', ...(opts.weightsColumn !== undefined ? { weightsColumn: opts.weightsColumn } : {}) })
        : parseParticlesJson(text, where);
    ({ X, d, w } = parsed);
  }
  return particleMeasure(X, d, w, { space: opts.space ?? 'P', field: where });
}

/**
 * Writes `data` to `path` atomically: the bytes go to a temporary file in the same
 * directory (`.<name>.<pid>.<random>.tmp`), which is flushed to disk and then renamed over
 * `path`, so readers see either the old file or the whole new one, never a partial one.
 * Missing parent directories are created. On any failure the temporary file is removed
 * and the error is rethrown (Node's own error, naming the path).
 *
 * @param path - destination file.
 * @param data - text (written as UTF-8) or bytes.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  if (typeof path !== 'string' || path === '') throw new InputError('path', path, 'a file path');
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new InputError('data', data, 'a string or a Uint8Array');
  const dir = dirname(resolve(path));
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    writeFileSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes a particle measure to a file, the format chosen by extension (atomically, see
 * {@link writeFileAtomic}):
 * - `.csv`: header `x0,…,x{d−1},w`, one row per particle, shortest round-trip numbers;
 * - `.json`: `{"positions": [[…]], "weights": […]}`;
 * - `.npy`: positions only, `<f8` `[n, d]`; allowed only when the weights are uniform
 *   (each within 1e-12 relative of 1/n), since the file cannot carry them.
 * `readParticles` reads each back bit-identically.
 *
 * @param path - destination; its extension picks the format.
 * @param mu - the measure, `X [n, d]`, `w [n]`.
 * @param opts - see {@link WriteParticlesOptions}.
 */
export function writeParticles(path: string, mu: ParticleMeasure, opts: WriteParticlesOptions = {}): void {
  const ext = extensionOf(path, 'path');
  let data: string | Uint8Array;
  if (ext === '.csv') {
    data = formatCsv(mu.X, mu.d, { w: mu.w, field: 'mu.X', ...(opts.header ? { header: opts.header } : {}) });
  } else if (ext === '.json') {
    data = formatParticlesJson(mu.X, mu.d, mu.w);
  } else {
    const { n, w } = mu;
    for (let i = 0; i < n; i++) {
      if (!(Math.abs(w[i]! * n - 1) <= 1e-12)) {
        throw new InputError(`mu.w[${i}]`, w[i], `uniform weights 1/n = ${1 / n} for .npy`, '.npy stores positions only; write .csv or .json to keep the weights');
      }
    }
    data = writeNpy(mu.X, [n, mu.d]);
  }
  writeFileAtomic(path, data);
}
