/**
 * Node-only rendering of the Vega-Lite specs built by `plot/`: spec → SVG (vega-lite compile, a
 * headless vega View) and SVG → PNG (resvg with the bundled DejaVu fonts, no system fonts), so
 * figures look the same on every machine and carry their text (resvg without fonts silently
 * drops all text). vega, vega-lite and @resvg/resvg-js are optional peer dependencies, loaded
 * on first use: without them these functions throw {@link PlottingUnavailableError}.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../core/errors.js';
import type { VegaLiteSpec } from '../plot/theme.js';
import { PLOT_FONT } from '../plot/theme.js';
import { loadResvg, loadVega } from './plotDeps.js';

export { PLOTTING_HINT, PlottingUnavailableError } from './plotDeps.js';

/** The subset of resvg's render options that measureflow sets (see `@resvg/resvg-js`). */
export interface ResvgRenderOptions {
  background: string;
  fitTo: { mode: 'original' } | { mode: 'zoom'; value: number };
  font: {
    fontFiles: string[];
    loadSystemFonts: boolean;
    defaultFontFamily: string;
    sansSerifFamily: string;
    serifFamily: string;
    monospaceFamily: string;
  };
}

/**
 * Directory of the bundled fonts, resolved from this module's location: `assets/fonts/` at the
 * package root, both from `src/node/render.ts` (tsx) and from `dist/node/render.js` (built).
 */
export const FONT_DIR: string = fileURLToPath(new URL('../../assets/fonts/', import.meta.url));

/** The bundled font files handed to resvg (DejaVu Sans regular and bold). */
export const FONT_FILES: readonly string[] = [join(FONT_DIR, 'DejaVuSans.ttf'), join(FONT_DIR, 'DejaVuSans-Bold.ttf')];

/** Options of {@link renderSvg}. */
export interface RenderSvgOptions {
  /**
   * Receives each warning of vega-lite's compiler and of the vega runtime (e.g. a field that is
   * missing, values dropped from a log scale). Default: `console.warn`.
   */
  onWarning?: (message: string) => void;
}

/**
 * Renders a Vega-Lite spec to a standalone SVG string (width and height in px from the spec,
 * legends and titles as `<text>` inside the `<svg>`).
 *
 * Deterministic: the same spec gives byte-identical SVG (no timestamps; the clip-path and
 * gradient id counters of vega are reset before each render — do not rely on that for
 * renders running concurrently in one process, whose ids stay unique but may be numbered
 * differently). Text widths are vega's estimates (no canvas in Node), which is close
 * enough for DejaVu Sans.
 *
 * @throws {@link PlottingUnavailableError} when vega or vega-lite is not installed, and whatever
 * vega-lite/vega throw for an invalid spec (e.g. an unknown mark type).
 */
export async function renderSvg(spec: VegaLiteSpec, opts: RenderSvgOptions = {}): Promise<string> {
  const { vega, compile } = await loadVega();
  const warn = opts.onWarning ?? ((m: string) => console.warn(`measureflow render: ${m}`));
  const logger = {
    _level: 0,
    level(l?: number) {
      if (l === undefined) return this._level;
      this._level = l;
      return this;
    },
    error(...args: readonly unknown[]): never {
      throw new Error(args.map(String).join(' '));
    },
    warn(...args: readonly unknown[]) {
      warn(args.map(String).join(' '));
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
  };
  // biome-ignore lint/suspicious/noExplicitAny: the vega-lite LoggerInterface type is not exported from its index.
  const vgSpec = compile(spec, { logger: logger as any }).spec;
  const view = new vega.View(vega.parse(vgSpec), {
    renderer: 'none',
    logLevel: vega.Warn,
    // biome-ignore lint/suspicious/noExplicitAny: vega's LoggerInterface wants the exact overloads of `level`.
    logger: logger as any,
  });
  try {
    await view.runAsync();
    vega.resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Options of {@link renderPng}. */
export interface RenderPngOptions {
  /** Pixels per SVG px (default 1: the PNG has the SVG's width × height); 2 gives sharp figures. */
  scale?: number;
}

/** resvg options: bundled fonts only, every generic family mapped to DejaVu Sans, white background. */
export function resvgOptions(scale = 1): ResvgRenderOptions {
  return {
    background: 'white',
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    font: {
      fontFiles: [...FONT_FILES],
      loadSystemFonts: false,
      defaultFontFamily: PLOT_FONT,
      sansSerifFamily: PLOT_FONT,
      serifFamily: PLOT_FONT,
      monospaceFamily: PLOT_FONT,
    },
  };
}

/**
 * Rasterises an SVG string to PNG bytes with resvg, using only the bundled DejaVu fonts
 * (`loadSystemFonts: false`), so the output is the same on every machine.
 * The PNG is round(width·scale) × round(height·scale) px.
 *
 * @throws {@link PlottingUnavailableError} when `@resvg/resvg-js` is not installed.
 */
export function renderPng(svg: string, opts: RenderPngOptions = {}): Uint8Array {
  const scale = opts.scale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0 || scale > 16)
    throw new InputError('scale', scale, 'a number in (0, 16]');
  const Resvg = loadResvg();
  const png = new Resvg(svg, resvgOptions(scale)).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Options of {@link writeFigure}. */
export interface WriteFigureOptions extends RenderSvgOptions {
  /** PNG scale (default 2, for sharp figures in reports and papers). */
  scale?: number;
}

/** Paths written by {@link writeFigure}. */
export interface WrittenFigure {
  svgPath: string;
  pngPath: string;
  /** The SVG text written (handy for embedding). */
  svg: string;
}

/**
 * Renders `spec` and writes `dir/name.svg` and `dir/name.png` (creating `dir`). Each file is
 * written to a temporary name in `dir` first and then renamed, so a reader never sees a
 * half-written figure. `name` is a plain file stem (no path separators).
 *
 * @throws {@link PlottingUnavailableError} when the optional plotting packages are not installed
 * (nothing is written then).
 */
export async function writeFigure(dir: string, name: string, spec: VegaLiteSpec, opts: WriteFigureOptions = {}): Promise<WrittenFigure> {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.'))
    throw new InputError('name', name, 'a file stem of letters, digits, ".", "_" or "-" (not starting with ".")');
  const svg = await renderSvg(spec, opts);
  const png = renderPng(svg, { scale: opts.scale ?? 2 });
  await mkdir(dir, { recursive: true });
  const svgPath = join(dir, `${name}.svg`);
  const pngPath = join(dir, `${name}.png`);
  await atomicWrite(svgPath, svg);
  await atomicWrite(pngPath, png);
  return { svgPath, pngPath, svg };
}

/** Writes `data` to `path` through a temporary sibling file and a rename (atomic on one file system). */
async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    // Node's write errors (ENOSPC, EIO) carry no path: name the file that could not be written
    if (e instanceof Error && (e as NodeJS.ErrnoException).path === undefined) (e as NodeJS.ErrnoException).path = path;
    throw e;
  }
}
