/**
 * The playground's GPU switch in headless Chromium with WebGPU enabled. Without a GPU,
 * Chromium's WebGPU runs on SwiftShader (a software Vulkan on the CPU): the frame rate
 * measured here says nothing about GPU speed; the test checks that the switch finds an
 * adapter, that the flow's kernel sums go through the GPU worker, and that the run matches
 * the CPU run. Figures go to e2e/artifacts/webgpu.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from './server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REPO = fileURLToPath(new URL('..', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

interface RunView {
  t: number;
  n: number;
  mmd?: number;
  running: boolean;
  error: string | null;
  X: number[];
  backend: { name: 'cpu' | 'webgpu'; info: string };
  gpuCalls: number;
}

let browser: Browser;
let server: { url: string; close: () => Promise<void> };
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/install-chromium.sh`);
  await build({ configFile: `${REPO}playground/vite.config.ts`, logLevel: 'warn' });
  server = await serveStatic(`${REPO}playground/dist`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // WebGPU in headless Chromium without a GPU: SwiftShader's Vulkan
    args: [
      '--headless=new',
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--enable-features=Vulkan,WebGPU',
      '--use-angle=swiftshader',
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
    writeFileSync(`${ARTIFACTS}webgpu.json`, `${JSON.stringify(measured, null, 2)}\n`);
    console.log('playground WebGPU:', measured);
  }
});

const runs = (page: Page) => page.evaluate(() => (window as unknown as { __measureflow: { runs: RunView[] } }).__measureflow.runs);

async function openAt(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => {
    const h = (window as unknown as { __measureflow?: { runs: RunView[] } }).__measureflow;
    return !!h && h.runs.length > 0 && h.runs.every((r) => r.n > 0 || r.error);
  });
  return { page, errors };
}

/** Steps `steps` single steps and returns the final positions. */
async function stepTo(page: Page, steps: number): Promise<RunView> {
  for (let k = 0; k < steps; k++) {
    const before = (await runs(page))[0]!.t;
    await page.click('#step');
    // X is the drawn snapshot (`shown`), t the latest received: wait for the drawn one
    await page.waitForFunction(
      (b) => {
        const r = (window as unknown as { __measureflow: { runs: (RunView & { shown: number })[] } }).__measureflow.runs[0]!;
        return r.t === b + 1 && r.shown === b + 1;
      },
      before,
      { timeout: 60_000 },
    );
  }
  return (await runs(page))[0]!;
}

describe('playground GPU switch (WebGPU in headless Chromium)', () => {
  it('finds an adapter, runs the kernel sums in the GPU worker, tracks the CPU run and shows backend, particles and fps', async () => {
    const q = '?alg=mmd-flow&n=400&seed=3';
    const { page: cpuPage } = await openAt(q);
    const cpu = await stepTo(cpuPage, 5);
    await cpuPage.close();

    const { page, errors } = await openAt(`${q}&gpu=1`);
    expect(await page.isChecked('#gpu')).toBe(true);
    await page.waitForFunction(() => (window as unknown as { __measureflow: { runs: RunView[] } }).__measureflow.runs[0]!.backend.info !== 'starting the GPU…', null, {
      timeout: 60_000,
    });
    const [r0] = await runs(page);
    measured.backend = r0!.backend;
    if (r0!.backend.name !== 'webgpu') throw new Error(`the GPU switch found no adapter in headless Chromium: ${r0!.backend.info}`);
    const gpu = await stepTo(page, 5);
    expect(gpu.error).toBeNull();
    expect(gpu.gpuCalls).toBeGreaterThanOrEqual(5);
    // same flow, same seed: f32 sums on the GPU (tolerance ~1e-6 of the sums' scale) keep the
    // particles within ~1e-4 of the CPU run over 5 steps
    let dx = 0;
    for (let k = 0; k < cpu.X.length; k++) dx = Math.max(dx, Math.abs(gpu.X[k]! - cpu.X[k]!));
    measured['max |x_gpu − x_cpu| after 5 steps'] = dx;
    expect(dx).toBeLessThan(1e-3);
    // the status line names the backend, the particle count and the frame rate
    const text = (await page.locator('#backend').textContent()) ?? '';
    expect(await page.locator('#backend').getAttribute('data-backend')).toBe('webgpu');
    expect(text).toMatch(/GPU \(.*\) · 400 particles · \d+ fps/);
    // playing: the animation rate with the GPU backend (software SwiftShader here: not GPU speed)
    await page.click('#play');
    const f0 = await page.evaluate(() => [(window as unknown as { __measureflow: { frames: number } }).__measureflow.frames, performance.now()]);
    await page.waitForTimeout(3000);
    const f1 = await page.evaluate(() => [(window as unknown as { __measureflow: { frames: number } }).__measureflow.frames, performance.now()]);
    const [r1] = await runs(page);
    measured['fps n=400 mmd-flow, GPU switch on (SwiftShader, 3 s)'] = Number((((f1[0]! - f0[0]!) * 1000) / (f1[1]! - f0[1]!)).toFixed(1));
    measured['steps in 3 s'] = r1!.t - gpu.t;
    measured.gpuCalls = r1!.gpuCalls;
    await page.screenshot({ path: `${ARTIFACTS}webgpu.png` });
    expect(errors).toEqual([]);
    await page.close();
  });
});
