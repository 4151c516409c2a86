import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { FONT_FILES, renderPng, renderSvg, resvgOptions, writeFigure } from '../src/node/render.js';
import { curvesChart, curvesData } from '../src/plot/curves.js';
import { histogramChart, histogramDensity, histogramsChart } from '../src/plot/histogram.js';
import { classifyWeights, particlesChart } from '../src/plot/particles.js';
import { escapeHtml, formatCell, reportHtml } from '../src/plot/report.js';
import type { VegaLiteSpec } from '../src/plot/theme.js';

// ---------- helpers: a minimal XML well-formedness check, <text> extraction, PNG header ----------

/** Throws unless `s` is one well-formed XML element tree (tags nest, attributes quoted, no stray `<` or `&`). */
function checkWellFormedXml(s: string): void {
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/g;
  const badText = /<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const stack: string[] = [];
  let roots = 0;
  let last = 0;
  for (let m = token.exec(s); m !== null; m = token.exec(s)) {
    const text = s.slice(last, m.index);
    if (badText.test(text)) throw new Error(`bad character data near offset ${last}: ${JSON.stringify(text.slice(0, 60))}`);
    last = token.lastIndex;
    const [, close, name, attrs, selfClose] = m;
    if (name === undefined) continue; // comment, declaration, CDATA
    if (attrs && badText.test(attrs.replace(/&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, ''))) throw new Error(`bad attribute in <${name}>`);
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  if (badText.test(s.slice(last))) throw new Error('bad trailing character data');
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('> <')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

const unescapeXml = (t: string) =>
  t
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');

/** The contents of every <text> element, unescaped. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([\s\S]*?)<\/text>/g)].map((m) => unescapeXml(m[1]!));
}

function svgSize(svg: string): [number, number] {
  const m = /<svg\b[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('no width/height on <svg>');
  return [Number(m[1]), Number(m[2])];
}

/** The contents of the first `<g class="... name ...">…</g>` mark group (no nested groups inside marks). */
function markGroup(svg: string, name: string): string {
  const m = new RegExp(`<g class="[^"]*\\b${name}\\b[^"]*"[^>]*>([\\s\\S]*?)</g>`).exec(svg);
  if (!m) throw new Error(`no mark group ${name}`);
  return m[1]!;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(png: Uint8Array): [number, number] {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
  return [v.getUint32(16), v.getUint32(20)];
}

/** Variance of the grey level of the rendered SVG (0 for a blank image). */
function pixelVariance(svg: string): number {
  const px = new Resvg(svg, resvgOptions(1)).render().pixels;
  let s = 0;
  let s2 = 0;
  const n = px.length / 4;
  for (let i = 0; i < px.length; i += 4) {
    const g = (px[i]! + px[i + 1]! + px[i + 2]!) / 3;
    s += g;
    s2 += g * g;
  }
  return s2 / n - (s / n) ** 2;
}

/** Renders with warnings collected (a warning fails the test: the specs should compile cleanly). */
async function render(spec: VegaLiteSpec): Promise<string> {
  const warnings: string[] = [];
  const svg = await renderSvg(spec, { onWarning: (m) => warnings.push(m) });
  expect(warnings).toEqual([]);
  return svg;
}

/** The checks every figure must pass: well-formed SVG with its texts, PNG of the right size, not blank. */
async function checkFigure(spec: VegaLiteSpec, texts: string[]): Promise<string> {
  const svg = await render(spec);
  checkWellFormedXml(svg);
  expect(svg).not.toMatch(/NaN|Infinity/);
  const all = svgTexts(svg);
  for (const t of texts) expect(all).toContain(t);
  const [w, h] = svgSize(svg);
  const png = renderPng(svg);
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(pngSize(png)).toEqual([Math.round(w), Math.round(h)]);
  expect(pngSize(renderPng(svg, { scale: 2 }))).toEqual([Math.round(2 * w), Math.round(2 * h)]);
  expect(pixelVariance(svg)).toBeGreaterThan(100);
  return svg;
}

// ---------- data ----------

const steps = Array.from({ length: 300 }, (_, i) => 10 * i);
const decay = (rate: number, floor: number) => steps.map((s) => Math.exp(-s / rate) + floor);

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function gaussCloud(n: number, mx: number, my: number, seed: number): Float64Array {
  const u = lcg(seed);
  const X = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const a = 2 * Math.PI * u();
    X[2 * i] = mx + r * Math.cos(a);
    X[2 * i + 1] = my + r * Math.sin(a);
  }
  return X;
}

// ---------- tests ----------

describe('curvesChart', () => {
  const series = [
    { method: 'IFT', step: Float64Array.from(steps), mean: decay(200, 1e-4), std: decay(200, 1e-4).map((m) => 0.3 * m) },
    { method: 'MMD flow', step: steps, mean: decay(2000, 1e-2), std: decay(2000, 1e-2).map((m) => 1.5 * m) },
  ];

  it('renders lines, bands, legend, axis titles and markers inside the svg', async () => {
    const spec = curvesChart({ title: 'MMD² <vs> step', xLabel: 'step', yLabel: 'MMD²', series, markers: [{ step: 1500, label: 'noise off' }] });
    const svg = await checkFigure(spec, ['MMD² <vs> step', 'IFT', 'MMD flow', 'step', 'MMD²', 'noise off', 'method']);
    expect(svgTexts(svg)).toContain('10⁻²'); // decade labels on the log axis
  });

  it('clips the band at a positive floor on a log axis when mean − std ≤ 0', async () => {
    const { rows, floor } = curvesData({ title: 't', xLabel: 'x', yLabel: 'y', series });
    const minMean = Math.min(...series.flatMap((s) => s.mean));
    expect(floor).toBeCloseTo(0.1 * minMean, 12);
    const mmd = rows.filter((r) => r.method === 'MMD flow');
    // std = 1.5·mean, so mean − std < 0 everywhere: every lower edge sits on the floor.
    for (const r of mmd) expect(r.lo).toBeCloseTo(floor!, 9);
    for (const r of rows) {
      expect(r.lo!).toBeGreaterThan(0);
      expect(r.lo!).toBeLessThanOrEqual(r.mean!);
    }
    // The axis does not run to absurdly small values: its lowest tick is within a decade of the floor.
    const svg = await render(curvesChart({ title: 't', xLabel: 'x', yLabel: 'y', series }));
    const ticks = svgTexts(svg)
      .filter((t) => t.startsWith('10'))
      .map((t) => Number(`1e${t.slice(2).replace(/⁻/g, '-').replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹]/g, (c) => String('⁰¹²³⁴⁵⁶⁷⁸⁹'.indexOf(c)))}`));
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(floor! / 10);
  });

  it('takes a given floor, drops non-positive means on a log axis, keeps negative lower edges on a linear one', () => {
    const s = [{ method: 'a', step: [0, 1, 2], mean: [1, 0, -1], std: [2, 1, 1] }];
    const log = curvesData({ title: 't', xLabel: 'x', yLabel: 'y', series: s, bandFloor: 1e-3 });
    expect(log.floor).toBe(1e-3);
    expect(log.rows.map((r) => r.lo)).toEqual([1e-3, null, null]);
    expect(log.rows.map((r) => r.mean)).toEqual([1, null, null]);
    const lin = curvesData({ title: 't', xLabel: 'x', yLabel: 'y', series: s, logY: false });
    expect(lin.floor).toBeNull();
    expect(lin.rows.map((r) => r.lo)).toEqual([-1, -1, -2]);
  });

  it('thins long series and rejects bad input', () => {
    const long = Array.from({ length: 5000 }, (_, i) => i);
    const { rows } = curvesData({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ method: 'a', step: long, mean: long.map((i) => 1 + i) }], maxPoints: 100 });
    expect(rows).toHaveLength(100);
    expect(rows[0]!.step).toBe(0);
    expect(rows[99]!.step).toBe(4999);
    const base = { title: 't', xLabel: 'x', yLabel: 'y' };
    expect(() => curvesData({ ...base, series: [{ method: 'a', step: [0, 1], mean: [1] }] })).toThrow(InputError);
    expect(() => curvesData({ ...base, series: [{ method: 'a', step: [0], mean: [Number.NaN] }] })).toThrow(/mean\[0\]/);
    expect(() => curvesData({ ...base, series: [{ method: 'a', step: [0], mean: [-1] }] })).toThrow(/positive mean/);
    expect(() => curvesData({ ...base, series: [{ method: 'a', step: [0], mean: [1] }, { method: 'a', step: [0], mean: [1] }] })).toThrow(/method/);
  });
});

describe('particlesChart', () => {
  const n = 40;
  const X = gaussCloud(n, 0, 0, 1);
  const w = new Float64Array(n).fill(1 / 30);
  for (let i = 0; i < 10; i++) w[i] = i < 5 ? 0 : 1e-9; // 10 vanished particles
  let s = 0;
  for (const v of w) s += v;
  for (let i = 0; i < n; i++) w[i]! /= s;

  it('renders target, initial, final, vanished and trajectories with one legend', async () => {
    const path = Float64Array.from([5, 5, 3, 3, 1, 1, 0, 0]);
    const spec = particlesChart({
      title: 'IFT & friends',
      target: { X: gaussCloud(300, 0, 0, 2), d: 2 },
      initial: { X: gaussCloud(n, 5, 5, 3), d: 2 },
      final: { X, d: 2, w },
      paths: [path],
    });
    const svg = await checkFigure(spec, ['IFT & friends', 'target samples', 'initial particles', 'final particles', 'vanished (w ≈ 0)', 'trajectories', 'x₁', 'x₂']);
    expect(svgTexts(svg).some((t) => t.includes('10 of 40'))).toBe(true);

    // Vanished particles are hollow: no fill of their own (they inherit the root's fill="none")
    // or an explicit none/transparent fill; the other final particles are filled.
    const vanished = [...markGroup(svg, 'vanished_particles_marks').matchAll(/<path\b[^>]*>/g)].map((m) => m[0]);
    expect(vanished).toHaveLength(10);
    for (const p of vanished) expect(p).not.toMatch(/\bfill="(?!none"|transparent")/);
    expect(vanished.every((p) => /\bstroke="#/.test(p))).toBe(true);
    const live = [...markGroup(svg, 'final_particles_marks').matchAll(/<path\b[^>]*>/g)].map((m) => m[0]);
    expect(live).toHaveLength(30);
    for (const p of live) expect(p).toMatch(/\bfill="#1f5fa6"/);
    // The legend's "vanished" symbol is hollow too.
    const legendSymbols = [...svg.matchAll(/<g class="mark-symbol role-legend-symbol"[^>]*>(<path\b[^>]*>)/g)].map((m) => m[1]!);
    expect(legendSymbols).toHaveLength(5);
    const hollow = (p: string) => !/\bfill="(?!none"|transparent")/.test(p); // vega writes no fill attribute for transparent
    expect(legendSymbols.filter(hollow)).toHaveLength(2); // vanished + trajectories
    expect(hollow(legendSymbols[3]!)).toBe(true); // order: target, initial, final, vanished, trajectories
  });

  it('classifies weights: relative opacity, vanish threshold factor·mean(w) (= factor/n when normalised)', () => {
    const c = classifyWeights(n, w);
    expect(c.nVanished).toBe(10);
    expect(c.threshold).toBeCloseTo(1e-3 / n, 15);
    expect(Math.max(...c.rel)).toBe(1);
    expect(classifyWeights(n, w, 0).nVanished).toBe(0); // factor 0: nothing vanishes (w < 0 never holds)
    const uniform = classifyWeights(3, undefined);
    expect([...uniform.rel]).toEqual([1, 1, 1]);
    expect(uniform.nVanished).toBe(0);
    // Unnormalised weights: the rule is scale-invariant.
    expect(classifyWeights(n, w.map((v) => 1000 * v)).nVanished).toBe(10);
    // A larger factor makes more particles vanish.
    expect(classifyWeights(4, [0.5, 0.3, 0.15, 0.05], 0.5).nVanished).toBe(1);
  });

  it('draws only the first two coordinates and rejects d < 2 or bad weights', async () => {
    const X3 = Float64Array.from([0, 0, 9, 1, 1, 9]);
    const spec = particlesChart({ title: '3-D', final: { X: X3, d: 3 } });
    await render(spec);
    expect(() => particlesChart({ title: 't', final: { X: [0, 1], d: 1 } })).toThrow(InputError);
    expect(() => particlesChart({ title: 't', final: { X: [0, 1, 2, 3], d: 2, w: [1, -1] } })).toThrow(/w\[1\]/);
    expect(() => particlesChart({ title: 't', final: { X: [0, 1, 2, 3], d: 2, w: [1] } })).toThrow(/w.length/);
    expect(() => particlesChart({ title: 't', final: { X: [0, 1], d: 2 }, xDomain: [1, 0] })).toThrow(/xDomain/);
  });
});

describe('histogramChart / histogramsChart', () => {
  const samples = Float64Array.from(gaussCloud(500, 0, 0, 5));
  const grid = Array.from({ length: 101 }, (_, i) => -5 + i / 10);
  const pdf = grid.map((x) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI));

  it('histogramDensity integrates to the fraction of samples inside the bins', () => {
    const h = histogramDensity(samples, 30);
    let mass = 0;
    for (let k = 0; k < 30; k++) mass += h.density[k]! * (h.edges[k + 1]! - h.edges[k]!);
    expect(mass).toBeCloseTo(1, 12);
    expect(h.outside).toBe(0);
    const c = histogramDensity([0, 0.5, 1, 2, 3], 2, [0, 1]);
    expect(c.outside).toBe(2);
    expect([...c.density]).toEqual([1 / (5 * 0.5), 2 / (5 * 0.5)]); // the last bin includes its right edge
    expect(() => histogramDensity([], 3)).toThrow(InputError);
    expect(() => histogramDensity([1], 0)).toThrow(/bins/);
  });

  it('renders the bars, the density curve and the legend', async () => {
    const spec = histogramChart({ title: 'Gibbs', samples, bins: 25, density: { x: grid, y: pdf }, label: 'particles', densityLabel: 'N(0, 1)' });
    const svg = await checkFigure(spec, ['Gibbs', 'particles', 'N(0, 1)', 'density', 'x']);
    expect([...markGroup(svg, 'histogram_bars_marks').matchAll(/<path\b/g)]).toHaveLength(25);
    expect(() => histogramChart({ title: 't', samples, density: { x: [1, 0], y: [0, 0] } })).toThrow(/increasing/);
  });

  it('puts each panel on its own data (bins differ per panel), one shared legend', async () => {
    const panels = [10, 20, 30].map((bins, i) => ({ title: `t = ${i + 1}`, samples: samples.map((v) => v * (i + 1)), bins, density: { x: grid, y: pdf } }));
    const svg = await checkFigure(histogramsChart({ title: 'over time', panels }), ['over time', 't = 1', 't = 2', 't = 3', 'samples', 'reference density']);
    for (const [i, bins] of [10, 20, 30].entries()) expect([...markGroup(svg, `histogram_bars_${i}_marks`).matchAll(/<path\b/g)]).toHaveLength(bins);
    expect(svgTexts(svg).filter((t) => t === 'reference density')).toHaveLength(1);
  });
});

describe('rendering', () => {
  it('is deterministic and writes svg + png atomically', async () => {
    const spec = curvesChart({ title: 'det', xLabel: 'x', yLabel: 'y', series: [{ method: 'a', step: [0, 1, 2], mean: [1, 0.5, 0.2], std: [0.1, 0.1, 0.1] }] });
    const a = await render(spec);
    const b = await render(spec);
    expect(a).toBe(b);
    const dir = await mkdtemp(join(tmpdir(), 'mf-plot-'));
    try {
      const out = join(dir, 'nested', 'figs');
      const r = await writeFigure(out, 'fig-1', spec, { onWarning: () => {} });
      expect((await readdir(out)).sort()).toEqual(['fig-1.png', 'fig-1.svg']);
      expect(await readFile(r.svgPath, 'utf8')).toBe(a);
      const png = new Uint8Array(await readFile(r.pngPath));
      const [w, h] = svgSize(a);
      expect(pngSize(png)).toEqual([2 * w, 2 * h]); // default scale 2
      await expect(writeFigure(out, '../evil', spec)).rejects.toThrow(InputError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('draws text with the bundled fonts (resvg drops text silently without fonts)', () => {
    for (const family of ['DejaVu Sans', 'sans-serif', 'Helvetica']) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="white"/><text x="5" y="28" font-family="${family}" font-size="22" font-weight="bold">Hello</text></svg>`;
      expect(pixelVariance(svg), family).toBeGreaterThan(100);
    }
    expect(FONT_FILES).toHaveLength(2);
  });

  it('src/plot stays browser-safe (no node: imports)', async () => {
    const dir = fileURLToPath(new URL('../src/plot/', import.meta.url));
    for (const f of await readdir(dir)) {
      const src = await readFile(join(dir, f), 'utf8');
      expect(src, f).not.toMatch(/from\s+['"]node:|require\(|from\s+['"](fs|path|os|url)['"]/);
      expect(src, f).not.toMatch(/^import\s+(?!type\b).*from\s+['"]vega/m); // vega/vega-lite as types only
    }
  });
});

describe('reportHtml', () => {
  const base = {
    title: 'Report <b>x</b>',
    summary: 'line one\nline <two>\n\nparagraph & more',
    config: { name: '</code><script>alert(1)</script>', arr: new Float64Array([1, 2]), bad: Number.NaN },
    figures: [{ title: 'fig "1" <img onerror=x>', svgFile: 'curves.svg', pngFile: 'dir/curves 1.png' }],
    tables: [{ title: 'T', columns: ['method', 'MMD²'], rows: [['<script>', 1.23456e-5], ['b', null]] }],
    meta: { version: '0.1.0', seeds: [0, 1, 2], timings: { total: 1.5 }, date: '2025-01-01' },
  };

  it('escapes every piece of text: no <script>, no injected tags or attributes', () => {
    const html = reportHtml(base);
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).not.toContain('<b>x</b>');
    expect(html).not.toContain('<img onerror');
    expect(html).toContain('&lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<img src="curves.svg" alt="fig &quot;1&quot; &lt;img onerror=x&gt;">');
    expect(html).toContain('href="dir/curves%201.png"');
    expect(html).toContain('line one<br>line &lt;two&gt;</p>\n<p>paragraph &amp; more</p>');
    expect(html).toContain('&quot;arr&quot;: [\n    1,\n    2\n  ]');
    expect(html).toContain('&quot;bad&quot;: &quot;NaN&quot;');
    expect(html).toContain('<td class="num">1.235e-5</td>');
    expect(html).toContain('<td class="num">—</td>');
    expect(html).toContain('<dd>0, 1, 2</dd>');
    expect(html).toContain('<dd>1.5 s</dd>');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('takes a table as summary and rejects non-relative figure paths and ragged rows', () => {
    const html = reportHtml({ ...base, summary: { columns: ['a', 'b'], rows: [[1, 'x']] } });
    expect(html).toContain('<th class="num">a</th><th>b</th>');
    expect(() => reportHtml({ ...base, figures: [{ title: 'f', svgFile: 'javascript:alert(1)', pngFile: 'a.png' }] })).toThrow(InputError);
    expect(() => reportHtml({ ...base, figures: [{ title: 'f', svgFile: '/etc/x.svg', pngFile: 'a.png' }] })).toThrow(InputError);
    expect(() => reportHtml({ ...base, tables: [{ columns: ['a', 'b'], rows: [[1]] }] })).toThrow(/rows\[0\]/);
  });

  it('formats cells and escapes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect([3, 0.5, 1 / 3, 1e-7, 2.5e7, Number.POSITIVE_INFINITY, true, undefined].map(formatCell)).toEqual([
      '3',
      '0.5',
      '0.3333',
      '1.000e-7',
      '25000000',
      '∞',
      'true',
      '—',
    ]);
  });
});
