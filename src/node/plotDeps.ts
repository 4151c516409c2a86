/**
 * The plotting stack (vega, vega-lite, @resvg/resvg-js: about 28 MB installed with their dependencies) is an
 * *optional* peer dependency of measureflow: the library never needs it, and the CLI uses it only to
 * draw figures. This module loads it on first use and says clearly when it is missing.
 */
import { createRequire } from 'node:module';

/** The one-line advice printed when a figure cannot be drawn because the plotting packages are missing. */
export const PLOTTING_HINT = 'install vega vega-lite @resvg/resvg-js for figures (npm i vega vega-lite @resvg/resvg-js); results written without figures';

/** Thrown by the rendering functions when an optional plotting package cannot be loaded. */
export class PlottingUnavailableError extends Error {
  /** The package that could not be loaded. */
  readonly missing: string;
  constructor(missing: string, cause?: unknown) {
    super(`measureflow: the optional package ${missing} is not installed: ${PLOTTING_HINT}`, { cause });
    this.name = 'PlottingUnavailableError';
    this.missing = missing;
  }
}

/** The parts of vega and vega-lite that `renderSvg` uses (kept structural so no type needs the packages). */
export interface VegaModules {
  // biome-ignore lint/suspicious/noExplicitAny: vega's own types are only available when it is installed.
  vega: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem for vega-lite's compile().
  compile: (spec: any, opts?: any) => { spec: unknown };
}

let vegaModules: Promise<VegaModules> | null = null;

function isMissing(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Loads vega and vega-lite once (dynamic `import()`); rejects with {@link PlottingUnavailableError}
 * when either is not installed. `MEASUREFLOW_NO_PLOTTING=1` makes it behave as if they were missing
 * (used by the tests of the figure-less path).
 */
export function loadVega(): Promise<VegaModules> {
  if (process.env.MEASUREFLOW_NO_PLOTTING === '1') return Promise.reject(new PlottingUnavailableError('vega'));
  vegaModules ??= (async () => {
    let vega: unknown;
    let vl: { compile: VegaModules['compile'] };
    try {
      vega = await import('vega');
    } catch (e) {
      throw isMissing(e) ? new PlottingUnavailableError('vega', e) : e;
    }
    try {
      vl = (await import('vega-lite')) as unknown as { compile: VegaModules['compile'] };
    } catch (e) {
      throw isMissing(e) ? new PlottingUnavailableError('vega-lite', e) : e;
    }
    return { vega, compile: vl.compile };
  })();
  vegaModules.catch(() => {
    vegaModules = null;
  });
  return vegaModules;
}

/** The resvg renderer class, structurally typed (`new Resvg(svg, options).render().asPng()`). */
export type ResvgClass = new (
  svg: string,
  options?: unknown,
) => { render(): { asPng(): Uint8Array } };

let resvg: ResvgClass | null = null;

/**
 * Loads `@resvg/resvg-js` synchronously (it is a CommonJS package with a native binary shipped as
 * an npm optional dependency); throws {@link PlottingUnavailableError} when it is not installed.
 */
export function loadResvg(): ResvgClass {
  if (process.env.MEASUREFLOW_NO_PLOTTING === '1') throw new PlottingUnavailableError('@resvg/resvg-js');
  if (resvg) return resvg;
  try {
    const require = createRequire(import.meta.url);
    resvg = (require('@resvg/resvg-js') as { Resvg: ResvgClass }).Resvg;
  } catch (e) {
    throw isMissing(e) ? new PlottingUnavailableError('@resvg/resvg-js', e) : e;
  }
  return resvg;
}
