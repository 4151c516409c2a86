/**
 * Stop signals of the long-running commands (`run`, `experiment`): SIGINT (Ctrl-C), SIGTERM
 * (`timeout`, `docker stop`, SLURM, Kubernetes) and SIGHUP (a closed terminal) all mean "stop
 * after the current step and write what is done"; a second one aborts at once with exit code
 * 128 + the signal number, after dropping the staged (uncommitted) output files.
 */
import { constants } from 'node:os';
import { abortOpenFolders } from './outputFolder.js';

/** The signals treated as "stop". */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** 128 + the signal number: the exit code of a process stopped by `sig` (130, 143, 129). */
export function signalExitCode(sig: StopSignal): number {
  return 128 + (constants.signals[sig] ?? 2);
}

/**
 * Installs the handlers; `onFirst(sig)` runs on the first signal (it should set a stop flag and
 * say what happens next). Returns `{ received, uninstall }`.
 */
export function onStopSignals(onFirst: (sig: StopSignal) => void): { received: () => StopSignal | null; uninstall: () => void } {
  let first: StopSignal | null = null;
  const handlers = STOP_SIGNALS.map((sig) => {
    const h = () => {
      if (first) {
        abortOpenFolders();
        process.exit(signalExitCode(sig));
      }
      first = sig;
      onFirst(sig);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return {
    received: () => first,
    uninstall: () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}

/** "Ctrl-C" for SIGINT, the signal's name otherwise. */
export function signalLabel(sig: StopSignal): string {
  return sig === 'SIGINT' ? 'Ctrl-C' : sig;
}
