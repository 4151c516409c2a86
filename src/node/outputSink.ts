/**
 * A small writer over an output folder for the commands that write a handful of files (the
 * Gaussian/graph runs and the open-direction experiments): every file goes into the folder's
 * staging area and the set is swapped in whole on `commit()` (see outputFolder.ts), figures that
 * cannot be drawn become warnings, and a missing plotting stack prints one hint line.
 */
import type { VegaLiteSpec } from '../plot/theme.js';
import { type OutputFolder, openOutputFolder } from './outputFolder.js';
import { PLOTTING_HINT, PlottingUnavailableError } from './plotDeps.js';
import { writeFigure } from './render.js';

/** Files written so far, a figure writer, and the folder's commit/abort. */
export interface OutputSink {
  readonly path: string;
  write(name: string, data: string | Uint8Array): void;
  /** Draws `name.svg` and `name.png`; returns false when it could not (the reason is in `warnings`). */
  figure(name: string, spec: () => VegaLiteSpec): Promise<boolean>;
  readonly warnings: string[];
  commit(): void;
  abort(): void;
}

/** Opens `outDir` (checked and locked before any computing) for `command`. */
export function openOutputSink(outDir: string, command: string, err: (s: string) => void): OutputSink {
  const folder: OutputFolder = openOutputFolder(outDir, { field: 'out', command });
  const warnings: string[] = [];
  let plotting = true;
  return {
    path: folder.path,
    warnings,
    write: (name, data) => {
      folder.write(name, data);
    },
    async figure(name, spec) {
      if (!plotting) return false;
      try {
        await writeFigure(folder.staging, name, spec(), { onWarning: () => {} });
        return true;
      } catch (e) {
        if (e instanceof PlottingUnavailableError) {
          plotting = false;
          err(`measureflow: ${PLOTTING_HINT}\n`);
          return false;
        }
        if ((e as NodeJS.ErrnoException).code) throw e;
        const msg = `${name}.svg could not be drawn (${e instanceof Error ? e.message : String(e)})`;
        warnings.push(msg);
        err(`measureflow: warning: ${msg}\n`);
        return false;
      }
    },
    commit: () => folder.commit(),
    abort: () => folder.abort(),
  };
}
