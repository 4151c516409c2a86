/**
 * The HTML report of an experiment: one self-contained `index.html` (inline CSS, no scripts, no
 * network) that shows the summary, the figures (by relative path to their SVG/PNG files), result
 * tables, the configuration as JSON and the run's metadata. Pure: returns a string.
 *
 * Every piece of text is HTML-escaped, so strings from a config or a file name cannot inject
 * markup; a Content-Security-Policy meta tag also forbids scripts as a second line of defence.
 */
import { InputError } from '../core/errors.js';

/** A table cell: numbers are formatted by {@link formatCell}; null/undefined show as "—". */
export type ReportCell = string | number | boolean | null | undefined;

/** A small result table. */
export interface ReportTable {
  title?: string;
  columns: string[];
  /** Rows, each with `columns.length` cells. */
  rows: ReportCell[][];
  /** A note under the table. */
  caption?: string;
}

/** A figure written next to the report, e.g. by `writeFigure(dir, name, spec)`. */
export interface ReportFigure {
  title: string;
  /** Path of the SVG relative to the report (e.g. `"curves.svg"`); shown inline. */
  svgFile: string;
  /** Path of the PNG relative to the report; linked. */
  pngFile: string;
  caption?: string;
}

/** Provenance of the run. */
export interface ReportMeta {
  /** measureflow version. */
  version: string;
  /** Seeds of the runs (a list, or a description such as `"0..49"`). */
  seeds: readonly number[] | string;
  /** Wall-clock timings: name → seconds (numbers are printed in s), or preformatted strings. */
  timings: Record<string, number | string>;
  /** Date of the run, as given (the report never reads the clock, so it is reproducible). */
  date: string;
  /** Anything else worth recording (Node version, machine…), shown as key/value pairs. */
  extra?: Record<string, string | number>;
}

/** Options of {@link reportHtml}. */
export interface ReportOptions {
  title: string;
  /** Plain text (line breaks kept; blank lines separate paragraphs) or a small table. */
  summary: string | ReportTable;
  /** The run's configuration, shown as pretty-printed JSON (typed arrays as arrays, NaN/±Infinity as strings). */
  config: unknown;
  figures: ReportFigure[];
  tables?: ReportTable[];
  meta: ReportMeta;
  /**
   * A boxed notice at the top of the page, before the summary (e.g. whether these settings
   * reproduce a paper's claim, and why). `tone` colours the box: 'ok' green, 'warn' amber
   * (default), 'info' grey.
   */
  notice?: { title: string; text: string; tone?: 'ok' | 'warn' | 'info' };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes `& < > " '` so `s` is safe as HTML text and inside a quoted attribute. */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * Text of a table cell: integers as is; other finite numbers with 4 significant digits
 * (exponent form below 1e-3 or from 1e6); NaN/±Infinity spelled out; null/undefined as "—".
 */
export function formatCell(v: ReportCell): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
    return String(Number(v.toPrecision(4)));
  }
  return String(v);
}

/** True for a relative URL path such as `fig/curves.svg` (no scheme, not absolute, not protocol-relative). */
function isRelativePath(p: string): boolean {
  return typeof p === 'string' && p.length > 0 && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p) && !p.startsWith('/') && !p.startsWith('\\');
}

/** A relative file path as an attribute value: each segment percent-encoded, then HTML-escaped. */
function fileHref(field: string, p: string): string {
  if (!isRelativePath(p)) throw new InputError(field, p, 'a relative path to a file next to the report (no scheme, not absolute)');
  return escapeHtml(p.split('/').map(encodeURIComponent).join('/'));
}

/** JSON text of `config`: typed arrays as arrays, NaN/±Infinity/bigint as strings, functions dropped. */
function configJson(config: unknown): string {
  try {
    const s = JSON.stringify(
      config,
      (_k, v: unknown) => {
        if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
        if (typeof v === 'bigint') return String(v);
        if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
        return v;
      },
      2,
    );
    return s ?? 'null';
  } catch (e) {
    throw new InputError('config', config, 'a JSON-serialisable value', e instanceof Error ? e.message : String(e));
  }
}

function tableHtml(t: ReportTable, field: string): string {
  if (!Array.isArray(t.columns) || !Array.isArray(t.rows)) throw new InputError(field, t, '{ columns: string[], rows: cell[][] }');
  const numeric = t.columns.map((_, j) => t.rows.length > 0 && t.rows.every((r) => typeof r[j] === 'number' || r[j] === null || r[j] === undefined));
  const head = t.columns.map((c, j) => `<th${numeric[j] ? ' class="num"' : ''}>${escapeHtml(c)}</th>`).join('');
  const body = t.rows
    .map((r, i) => {
      if (!Array.isArray(r) || r.length !== t.columns.length) throw new InputError(`${field}.rows[${i}].length`, Array.isArray(r) ? r.length : r, `columns.length = ${t.columns.length}`);
      return `<tr>${r.map((v, j) => `<td${numeric[j] ? ' class="num"' : ''}>${escapeHtml(formatCell(v))}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const title = t.title ? `<h3>${escapeHtml(t.title)}</h3>\n` : '';
  const caption = t.caption ? `\n<p class="caption">${escapeHtml(t.caption)}</p>` : '';
  return `${title}<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>${caption}`;
}

function textHtml(s: string): string {
  return String(s)
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtml(p.trim()).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

const CSS = `
body { font-family: "DejaVu Sans", system-ui, sans-serif; max-width: 1180px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
h3 { font-size: 1.05em; margin-bottom: 0.4em; }
.meta-line { color: #666; margin-top: 0; }
figure { margin: 1.2em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-weight: bold; margin-bottom: 0.4em; }
.caption, .links { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.95em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.8em; text-align: left; }
th { background: #f5f5f5; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1.2em; }
dt { font-weight: bold; }
dd { margin: 0; }
.notice { border: 1px solid; border-left-width: 6px; padding: 0.6em 1em; margin: 1em 0 1.5em; }
.notice h2 { border: none; margin: 0.1em 0 0.3em; font-size: 1.15em; }
.notice.ok { border-color: #2e7d32; background: #eef7ee; }
.notice.warn { border-color: #b26a00; background: #fff6e5; }
.notice.info { border-color: #777; background: #f5f5f5; }
`;

/**
 * Builds the report page (a complete HTML document as a string). Figures are referenced by
 * their relative paths (`<img src="curves.svg">`, a link to the PNG), so the page must sit next
 * to the figure files; paths with a scheme or starting with "/" are rejected. All text —
 * titles, summary, config JSON, table cells, metadata — is HTML-escaped.
 *
 * @example
 * reportHtml({ title: 'IFT, 2-D Gaussian', summary: 'IFT reaches …', config: spec,
 *   figures: [{ title: 'MMD²', svgFile: 'curves.svg', pngFile: 'curves.png' }],
 *   meta: { version: '0.1.0', seeds: [0, 1], timings: { total: 12.3 }, date: '2025-01-01' } })
 */
export function reportHtml(opts: ReportOptions): string {
  const { title, summary, config, figures, tables = [], meta, notice } = opts;
  const tone = notice?.tone ?? 'warn';
  if (notice && tone !== 'ok' && tone !== 'warn' && tone !== 'info') throw new InputError('notice.tone', tone, "'ok', 'warn' or 'info'");
  const noticeHtml = notice ? `<div class="notice ${tone}">\n<h2>${escapeHtml(notice.title)}</h2>\n${textHtml(notice.text)}\n</div>\n` : '';
  if (!Array.isArray(figures)) throw new InputError('figures', figures, 'an array of { title, svgFile, pngFile }');
  const figs = figures
    .map((f, i) => {
      const svg = fileHref(`figures[${i}].svgFile`, f.svgFile);
      const png = fileHref(`figures[${i}].pngFile`, f.pngFile);
      const cap = f.caption ? `\n<p class="caption">${escapeHtml(f.caption)}</p>` : '';
      return `<figure>
<figcaption>${escapeHtml(f.title)}</figcaption>
<img src="${svg}" alt="${escapeHtml(f.title)}">${cap}
<p class="links">files: <a href="${svg}">SVG</a> · <a href="${png}">PNG</a></p>
</figure>`;
    })
    .join('\n');
  const seeds = typeof meta.seeds === 'string' ? meta.seeds : meta.seeds.join(', ');
  const timings = Object.entries(meta.timings ?? {})
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(typeof v === 'number' ? `${formatCell(v)} s` : String(v))}</dd>`)
    .join('\n');
  const extra = Object.entries(meta.extra ?? {})
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(formatCell(v))}</dd>`)
    .join('\n');
  const summaryHtml = typeof summary === 'string' ? textHtml(summary) : tableHtml(summary, 'summary');
  const tablesHtml = tables.length > 0 ? `<h2>Results</h2>\n${tables.map((t, i) => tableHtml(t, `tables[${i}]`)).join('\n')}\n` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'">
<meta name="generator" content="measureflow ${escapeHtml(meta.version)}">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta-line">measureflow ${escapeHtml(meta.version)} · ${escapeHtml(meta.date)}</p>
${noticeHtml}<h2>Summary</h2>
${summaryHtml}
${figures.length > 0 ? `<h2>Figures</h2>\n${figs}\n` : ''}${tablesHtml}<h2>Configuration</h2>
<pre><code>${escapeHtml(configJson(config))}</code></pre>
<h2>Run</h2>
<dl>
<dt>version</dt><dd>${escapeHtml(meta.version)}</dd>
<dt>date</dt><dd>${escapeHtml(meta.date)}</dd>
<dt>seeds</dt><dd>${escapeHtml(seeds)}</dd>
${timings}${extra ? `\n${extra}` : ''}
</dl>
</body>
</html>
`;
}
