/**
 * End-to-end tests of the playground: build it with Vite, serve `playground/dist` on a free
 * localhost port, drive Debian's Chromium with playwright-core. Needs /usr/bin/chromium
 * (`scripts/install-chromium.sh`). Screenshots go to `e2e/artifacts/` (git-ignored).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from './server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REPO = fileURLToPath(new URL('..', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
/** Frame rate the page must keep with n = 500 (lower it on a crowded CI machine). */

interface RunView {
  id: string;
  alg: string;
  t: number;
  n: number;
  mmd?: number;
  energy?: number;
  running: boolean;
  error: string | null;
  waiting: string | null;
  history: { t: number; mmd?: number; energy?: number }[];
  X: number[];
  shown: number;
  hist: { x: number[]; y: number[] };
}
interface HookView {
  fps: number;
  frames: number;
  playing: boolean;
  query: string;
  settings: Record<string, unknown>;
  runs: RunView[];
  contourSegments: number;
  csv(): string;
  svg(): string;
}

let browser: Browser;
let server: { url: string; close: () => Promise<void> };
/** fps measured by the tests, reported at the end. */
const measured: Record<string, number> = {};

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/install-chromium.sh (apt-get install -y chromium) or set CHROMIUM_PATH`);
  await build({ configFile: `${REPO}playground/vite.config.ts`, logLevel: 'warn' });
  server = await serveStatic(`${REPO}playground/dist`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (Object.keys(measured).length) {
    writeFileSync(`${ARTIFACTS}fps.json`, `${JSON.stringify(measured, null, 2)}\n`);
    console.log('measured fps:', measured);
  }
});

async function open(query: string, width = 1400, height = 1000): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { jsErrors: string[] }).jsErrors = errors;
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => {
    const h = (window as unknown as { __measureflow?: HookView }).__measureflow;
    return !!h && h.runs.length > 0 && h.runs.every((r) => r.n > 0 || r.error || r.waiting);
  });
  return page;
}

const hook = (page: Page) => page.evaluate(() => (window as unknown as { __measureflow: HookView }).__measureflow.runs);
const jsErrors = (page: Page) => (page as Page & { jsErrors: string[] }).jsErrors;

/** Waits until every run reached step `t` (or failed). */
async function waitForStep(page: Page, t: number, timeout = 90_000): Promise<void> {
  await page.waitForFunction((tt) => (window as unknown as { __measureflow: HookView }).__measureflow.runs.every((r) => r.t >= tt || r.error), t, {
    timeout,
    polling: 100,
  });
}

/** requestAnimationFrame rate over `ms` milliseconds, from the page's own frame counter. */
async function measureFps(page: Page, ms = 3000): Promise<number> {
  const f0 = await page.evaluate(() => [(window as unknown as { __measureflow: HookView }).__measureflow.frames, performance.now()]);
  await page.waitForTimeout(ms);
  const f1 = await page.evaluate(() => [(window as unknown as { __measureflow: HookView }).__measureflow.frames, performance.now()]);
  return ((f1[0]! - f0[0]!) * 1000) / (f1[1]! - f0[1]!);
}

describe('playground', () => {
  it('runs an MMD flow with n = 500: MMD falls, the page keeps animating (fps is reported, not asserted)', async () => {
    const page = await open('?alg=mmd-flow&n=500');
    const [r0] = await hook(page);
    expect(r0!.n).toBe(500);
    expect(r0!.t).toBe(0);
    expect(r0!.mmd).toBeGreaterThan(0);
    const mmd0 = r0!.mmd!;
    // the status line carries the same number
    await page.waitForSelector('#status-A[data-mmd]:not([data-mmd=""])');
    expect(Number(await page.locator('#status-A').getAttribute('data-mmd'))).toBe(mmd0);

    await page.click('#play');
    const fps = await measureFps(page, 4000);
    measured['mmd-flow n=500 (running, 4 s mean)'] = Number(fps.toFixed(1));
    // the page shows its own counter (last second)
    const shownFps = Number(await page.locator('#fps').getAttribute('data-fps'));
    measured['mmd-flow n=500 (page counter, last 1 s)'] = shownFps;
    await waitForStep(page, 20);
    await page.click('#play'); // pause
    await page.waitForFunction(() => !(window as unknown as { __measureflow: HookView }).__measureflow.runs[0]!.running);
    const [r1] = await hook(page);
    expect(r1!.error).toBeNull();
    expect(r1!.mmd).toBeLessThan(0.6 * mmd0);
    // energy ½MMD² is recorded too and falls
    const energies = r1!.history.filter((r) => r.energy !== undefined).map((r) => r.energy!);
    expect(energies.length).toBeGreaterThan(1);
    expect(energies[energies.length - 1]!).toBeLessThan(energies[0]!);
    // Frame rate is a measurement (printed and saved to artifacts/fps.json), never a timed assertion.
    expect(fps).toBeGreaterThan(0);
    expect(shownFps).toBeGreaterThan(0);

    // single step advances by exactly one
    const before = r1!.t;
    await page.click('#step');
    await page.waitForFunction((b) => (window as unknown as { __measureflow: HookView }).__measureflow.runs[0]!.t === b + 1, before);
    // reset goes back to µ₀ (same seed: same MMD)
    await page.click('#reset');
    await page.waitForFunction(() => (window as unknown as { __measureflow: HookView }).__measureflow.runs[0]!.n === 500);
    const [r2] = await hook(page);
    expect(r2!.t).toBe(0);
    expect(r2!.mmd).toBe(mmd0);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('restores the settings of a shared URL, and writes changes back into the URL', async () => {
    const q = '?alg=ift&alg2=mmd-flow&kernel=imq&sigma=2&tau=1.5&eta=0.2&variant=pgd&alpha=0.5&beta=2&n=123&target=banana&mx=1&my=-1&std=0.5&seed=7&spf=3';
    const page = await open(q);
    const values = await page.evaluate(() =>
      Object.fromEntries(Array.from(document.querySelectorAll<HTMLInputElement>('[data-key]')).map((el) => [el.dataset.key, el.value])),
    );
    expect(values).toMatchObject({
      alg: 'ift',
      alg2: 'mmd-flow',
      kernel: 'imq',
      sigma: '2',
      tau: '1.5',
      eta: '0.2',
      variant: 'pgd',
      alpha: '0.5',
      beta: '2',
      n: '123',
      target: 'banana',
      mx: '1',
      my: '-1',
      std: '0.5',
      seed: '7',
      spf: '3',
    });
    expect(await page.isVisible('#panel-B')).toBe(true);
    const runs = await hook(page);
    expect(runs.map((r) => [r.alg, r.n])).toEqual([
      ['ift', 123],
      ['mmd-flow', 123],
    ]);
    // both panels start from the same particles
    expect(runs[0]!.X).toEqual(runs[1]!.X);
    const meanX = runs[0]!.X.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0) / 123;
    expect(meanX).toBeGreaterThan(0.7); // µ₀ = N((1, −1), 0.25 I)

    // a change in the form goes into the URL; opening that URL gives the same settings
    await page.selectOption('#target', 'paper-gaussian-2d');
    await page.fill('#tau', '2.5');
    await page.press('#tau', 'Enter');
    await page.locator('#tau').blur();
    await page.waitForFunction(() => location.search.includes('tau=2.5'));
    const url = page.url();
    expect(url).toContain('target=paper-gaussian-2d');
    const settings = await page.evaluate(() => (window as unknown as { __measureflow: HookView }).__measureflow.settings);
    const page2 = await open(url.slice(server.url.length));
    expect(await page2.evaluate(() => (window as unknown as { __measureflow: HookView }).__measureflow.settings)).toEqual(settings);
    // invalid values fall back to the defaults instead of breaking the page
    const page3 = await open('?alg=nope&n=-4&sigma=abc&tau=1e400');
    const s3 = await page3.evaluate(() => (window as unknown as { __measureflow: HookView }).__measureflow.settings);
    expect(s3).toMatchObject({ alg: 'mmd-flow', n: 1, sigma: 1, tau: 5 });
    for (const p of [page, page2, page3]) {
      expect(jsErrors(p)).toEqual([]);
      await p.close();
    }
  });

  it('runs MMD flow and IFT side by side, exports CSV/SVG/PNG, saves a screenshot', async () => {
    const page = await open('?alg=mmd-flow&alg2=ift&n=200&tau=5&eta=0.5&spf=8');
    await page.click('#play');
    const fps = await measureFps(page, 3000);
    measured['side by side mmd-flow | ift exact, n=200 (running)'] = Number(fps.toFixed(1));
    await waitForStep(page, 30);
    await page.click('#play');
    await page.waitForFunction(() => (window as unknown as { __measureflow: HookView }).__measureflow.runs.every((r) => !r.running));
    await page.waitForTimeout(400); // a chart refresh and a status refresh
    const runs = await hook(page);
    for (const r of runs) {
      expect(r.error).toBeNull();
      const first = r.history.find((h) => h.mmd !== undefined)!.mmd!;
      expect(r.mmd).toBeLessThan(first);
    }
    // IFT moves weights: some particle is no longer at 1/n
    const csv = await page.evaluate(() => (window as unknown as { __measureflow: HookView }).__measureflow.csv());
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('run,algorithm,step,x,y,w');
    expect(lines.length).toBe(1 + 2 * 200);
    const iftW = lines.filter((l) => l.startsWith('B,')).map((l) => Number(l.split(',')[5]));
    expect(Math.max(...iftW)).toBeGreaterThan(1.5 / 200);
    expect(iftW.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);

    // the download buttons
    const [csvDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    expect(csvDl.suggestedFilename()).toBe('measureflow-particles.csv');
    expect(readFileSync(await csvDl.path(), 'utf8')).toBe(csv);
    const [svgDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
    const svg = readFileSync(await svgDl.path(), 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.match(/<circle /g)!.length).toBeGreaterThanOrEqual(2 * 200);
    writeFileSync(`${ARTIFACTS}side-by-side.svg`, svg);
    const [pngDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    const png = readFileSync(await pngDl.path());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    writeFileSync(`${ARTIFACTS}side-by-side-export.png`, png);

    await page.screenshot({ path: `${ARTIFACTS}playground.png`, fullPage: true });

    // n = 500 side by side (two workers): the page's frame rate while both run
    await page.selectOption('#alg2', 'ift');
    await page.fill('#n', '500');
    await page.press('#n', 'Enter');
    await page.waitForFunction(() => (window as unknown as { __measureflow: HookView }).__measureflow.runs.every((r) => r.n === 500));
    await page.click('#play');
    measured['side by side mmd-flow | ift exact, n=500 (running)'] = Number((await measureFps(page, 3000)).toFixed(1));
    await page.click('#play');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('steps every preset and a custom flow in the browser', async () => {
    const page = await open('?n=60&target=paper-gaussian-2d&tau=0.05&eta=0.05');
    const algs = await page.evaluate(() => Array.from(document.querySelectorAll<HTMLOptionElement>('#alg option')).map((o) => o.value));
    expect(algs.length).toBeGreaterThanOrEqual(10);
    for (const alg of algs) {
      await page.selectOption('#alg', alg);
      if (alg === 'custom') {
        await page.selectOption('#energy', 'mmd');
        await page.selectOption('#transport', 'wasserstein');
        await page.selectOption('#reaction', 'mmd');
      }
      await page.waitForFunction(() => (window as unknown as { __measureflow: HookView }).__measureflow.runs[0]!.n > 0);
      await page.click('#step');
      await page.click('#step');
      await page.waitForFunction(() => {
        const r = (window as unknown as { __measureflow: HookView }).__measureflow.runs[0]!;
        return r.t === 2 || r.error;
      });
      const [r] = await hook(page);
      expect({ alg, error: r!.error }).toEqual({ alg, error: null });
      expect(r!.mmd).toBeGreaterThan(0);
    }
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('draws a target with the mouse and flows to it', async () => {
    const page = await open('?target=drawn&n=150&sigma=2');
    await page.waitForSelector('#error-A:not([hidden])');
    const box = (await page.locator('#canvas-A').boundingBox())!;
    // a stroke across the upper right
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.3);
    await page.mouse.down();
    for (let k = 1; k <= 30; k++) await page.mouse.move(box.x + box.width * (0.6 + 0.01 * k), box.y + box.height * (0.3 + 0.008 * k));
    await page.mouse.up();
    await page.waitForFunction(() => (window as unknown as { __measureflow: HookView }).__measureflow.runs[0]!.n === 150);
    const settings = await page.evaluate(() => (window as unknown as { __measureflow: HookView }).__measureflow.settings);
    const drawn = settings.drawn as number[];
    expect(drawn.length).toBeGreaterThanOrEqual(2 * 30);
    // the drawn samples are in the upper right of the view (x > 0, y > 0)
    expect(drawn.filter((_, i) => i % 2 === 0).every((x) => x > 0)).toBe(true);
    expect(page.url()).toContain('drawn=');
    expect(await page.isHidden('#error-A')).toBe(true);
    const [r0] = await hook(page);
    await page.click('#play');
    await waitForStep(page, 25);
    await page.click('#play');
    await page.waitForFunction(() => !(window as unknown as { __measureflow: HookView }).__measureflow.runs[0]!.running);
    const [r1] = await hook(page);
    expect(r1!.mmd).toBeLessThan(r0!.mmd!);
    await page.screenshot({ path: `${ARTIFACTS}drawn.png` });

    // a score-based preset cannot use drawn samples: it is not offered, and its tooltip says why
    const svgdOpt = await page.evaluate(() => {
      const o = document.querySelector<HTMLOptionElement>('#alg option[value="svgd"]')!;
      return { disabled: o.disabled, title: o.title };
    });
    expect(svgdOpt.disabled).toBe(true);
    expect(svgdOpt.title).toMatch(/score/);
    // and the other way round: with SVGD chosen, the drawn target is disabled
    await page.selectOption('#target', 'banana');
    await page.selectOption('#alg', 'svgd');
    const drawnOpt = await page.evaluate(() => {
      const o = document.querySelector<HTMLOptionElement>('#target option[value="drawn"]')!;
      return { disabled: o.disabled, title: o.title };
    });
    expect(drawnOpt.disabled).toBe(true);
    expect(drawnOpt.title).toMatch(/SVGD.*score/);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('draws the target density contours and the marginal histograms, and shows a legend', async () => {
    const page = await open('?alg=mmd-flow&target=banana&n=300');
    await page.waitForFunction(() => (window as unknown as { __measureflow: HookView }).__measureflow.runs[0]!.hist.x.length > 0);
    const h = await page.evaluate(() => {
      const m = (window as unknown as { __measureflow: HookView }).__measureflow;
      return { segs: m.contourSegments, hist: m.runs[0]!.hist };
    });
    expect(h.segs).toBeGreaterThan(100);
    // histograms are densities: Σ height·width ≈ mass inside the view (most of it)
    expect(h.hist.x.length).toBe(40);
    expect(h.hist.x.some((v) => v > 0)).toBe(true);
    expect(h.hist.y.some((v) => v > 0)).toBe(true);
    // pixels: the contour colour (green) appears on the canvas, and the x-histogram strip above the plot has the particle colour
    const px = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('#canvas-A')!;
      const ctx = c.getContext('2d')!;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      const dpr = c.width / c.clientWidth;
      let green = 0;
      let blueInStrip = 0;
      for (let y = 0; y < c.height; y++)
        for (let x = 0; x < c.width; x++) {
          const i = 4 * (y * c.width + x);
          const [r, g, b] = [d[i]!, d[i + 1]!, d[i + 2]!];
          if (g > r + 30 && g > b + 20) green++;
          if (y < 52 * dpr && b > r + 60 && b > g + 30) blueInStrip++;
        }
      return { green, blueInStrip };
    });
    expect(px.green).toBeGreaterThan(200);
    expect(px.blueInStrip).toBeGreaterThan(50);
    // legend: one dashed energy entry and one solid MMD entry for the run
    const legend = await page.evaluate(() => Array.from(document.querySelectorAll('#legend li')).map((li) => (li as HTMLElement).dataset.series + ': ' + li.textContent));
    expect(legend.length).toBe(2);
    expect(legend[0]).toMatch(/^energy-A: .*F\(µt\).*MMD²/);
    expect(legend[1]).toMatch(/^mmd-A: .*MMD\(µt, π̂\)/);
    // a drawn target has no density: no contours
    await page.selectOption('#target', 'drawn');
    expect(await page.evaluate(() => (window as unknown as { __measureflow: HookView }).__measureflow.contourSegments)).toBe(0);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('explains the chosen algorithm with its update rule, and the text changes with the preset', async () => {
    const page = await open('?alg=svgd&target=paper-gaussian-2d&n=50');
    const text = () => page.textContent('#explain');
    const svgd = await text();
    expect(svgd).toMatch(/Stein/);
    expect(svgd).toMatch(/∇log π/);
    await page.selectOption('#alg', 'ift');
    await page.waitForFunction(() => document.querySelector('#explain .explain-item')?.getAttribute('data-alg') === 'ift');
    const ift = await text();
    expect(ift).not.toBe(svgd);
    expect(ift).toMatch(/IFT/);
    expect(ift).toMatch(/argmin/);
    await page.selectOption('#alg', 'langevin');
    await page.waitForFunction(() => document.querySelector('#explain .explain-item')?.getAttribute('data-alg') === 'langevin');
    expect(await text()).toMatch(/√\(2τ\)/);
    // side by side: one explanation per run
    await page.selectOption('#alg2', 'mmd-flow');
    await page.waitForFunction(() => document.querySelectorAll('#explain .explain-item').length === 2);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('side-by-side runs advance in lockstep (IFT with the exact QP against MMD flow)', async () => {
    const page = await open('?alg=ift&alg2=mmd-flow&n=200&spf=4');
    await page.click('#play');
    const seen: number[][] = [];
    for (let k = 0; k < 12; k++) {
      await page.waitForTimeout(250);
      seen.push((await hook(page)).map((r) => r.shown));
    }
    await waitForStep(page, 24);
    await page.click('#play');
    await page.waitForFunction(() => (window as unknown as { __measureflow: HookView }).__measureflow.runs.every((r) => !r.running));
    await page.waitForTimeout(300);
    const runs = await hook(page);
    for (const [a, b] of seen) expect(a).toBe(b);
    expect(runs[0]!.shown).toBe(runs[1]!.shown);
    expect(runs[0]!.shown).toBeGreaterThanOrEqual(24);
    const status = await page.evaluate(() => [document.getElementById('status-A')!.dataset.step, document.getElementById('status-B')!.dataset.step]);
    expect(status[0]).toBe(status[1]);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('per-preset step defaults: Langevin on the double well runs without diverging; a divergence says so', async () => {
    const page = await open('?alg=langevin&target=double-well&n=100&spf=20');
    const s = await page.evaluate(() => (window as unknown as { __measureflow: HookView }).__measureflow.settings);
    expect(s.tau).toBeLessThan(0.03);
    await page.click('#play');
    await waitForStep(page, 200);
    await page.click('#play');
    const [r] = await hook(page);
    expect(r!.error).toBeNull();
    expect(r!.X.every(Number.isFinite)).toBe(true);
    await page.close();
    // τ = 5 (the old default) diverges, and the panel says what to do
    const bad = await open('?alg=langevin&target=double-well&n=100&tau=5');
    await bad.click('#play');
    await bad.waitForSelector('#error-A:not([hidden])');
    expect(await bad.textContent('#error-A')).toMatch(/diverged.*lower τ/);
    await bad.close();
  });

  it('each new named target steps without NaN (donut, funnel, squiggle, ring), and a screenshot is saved', async () => {
    for (const target of ['donut', 'funnel', 'squiggle', 'ring']) {
      for (const alg of ['svgd', 'mmd-flow']) {
        const page = await open(`?alg=${alg}&target=${target}&n=150&spf=10`);
        await page.click('#play');
        await waitForStep(page, 60);
        await page.click('#play');
        const [r] = await hook(page);
        expect({ target, alg, error: r!.error }).toEqual({ target, alg, error: null });
        expect(r!.X.length).toBe(300);
        expect(r!.X.every(Number.isFinite)).toBe(true);
        expect(await page.evaluate(() => (window as unknown as { __measureflow: HookView }).__measureflow.contourSegments)).toBeGreaterThan(50);
        if (alg === 'svgd' && target === 'ring') await page.screenshot({ path: `${ARTIFACTS}teacher-ring-svgd.png`, fullPage: true });
        expect(jsErrors(page)).toEqual([]);
        await page.close();
      }
    }
  });
});
