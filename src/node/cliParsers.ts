/**
 * Option parsers shared by the CLI commands: each rejects bad text with a message naming
 * the flag, the value and what was expected (commander prints it and exits 2).
 */
import { InvalidArgumentError } from '@commander-js/extra-typings';

/** A finite number > 0. */
export const positiveNumber = (flag: string) => (v: string) => {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError(`${flag} must be a finite number > 0 (got '${v}')`);
  return x;
};

/** A finite number ≥ 0. */
export const nonNegativeNumber = (flag: string) => (v: string) => {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < 0) throw new InvalidArgumentError(`${flag} must be a finite number >= 0 (got '${v}')`);
  return x;
};

/** An integer ≥ 0 written in decimal digits. */
export const nonNegativeInt = (flag: string) => (v: string) => {
  const x = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(x)) throw new InvalidArgumentError(`${flag} must be an integer >= 0 (got '${v}')`);
  return x;
};

/** An integer ≥ 1 (every refusal says ">= 1", for "-1" as for "0"). */
export const positiveInt = (flag: string) => (v: string) => {
  const x = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(x) || x < 1) throw new InvalidArgumentError(`${flag} must be an integer >= 1 (got '${v}')`);
  return x;
};

/** `auto` or an integer ≥ 1 (the --threads flags). */
export const threadsArg = (flag: string) => (v: string): 'auto' | number => (v.trim() === 'auto' ? 'auto' : positiveInt(flag)(v));

/** Help text of --threads / --precision (run, metrics). */
export const THREADS_HELP = "threads for the kernel sums: 'auto' (all cores) or a count (default 1); results are bit-identical for any count";
export const PRECISION_HELP = 'f32: Gaussian kernel-gradient sums in single precision (faster; relative error about 1e-6); default f64';
/** A seed: an integer in [0, 2³² − 1] (the generator's seed space). */
export const seedInt = (flag: string) => (v: string) => {
  const x = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(x) || x > 2 ** 32 - 1)
    throw new InvalidArgumentError(`${flag} must be an integer in [0, 4294967295] (got '${v}')`);
  return x;
};
