/**
 * The same numbers in Node and in Chromium: the README's IFT run (exact MMD step), WFR,
 * IFT with every kernel family, Langevin on a mixture, and kernel values are computed in
 * both engines from the built library (`dist/`) and compared bit for bit. Needs
 * /usr/bin/chromium (`scripts/install-chromium.sh`) and a built `dist/` (`npm run build`,
 * which `npm install` runs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module (it runs unchanged in the browser)
import { engineScenario } from './engineScenario.js';
import { serveStatic } from './server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REPO = fileURLToPath(new URL('..', import.meta.url));

let browser: Browser;
let server: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/install-chromium.sh (apt-get install -y chromium) or set CHROMIUM_PATH`);
  // dist/ must be the current source: both engines run it
  execFileSync(process.execPath, [`${REPO}node_modules/typescript/bin/tsc`, '-p', `${REPO}tsconfig.build.json`], { stdio: 'inherit' });
  server = await serveStatic(REPO);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

type Result = Record<string, string | number>;

describe('Node and Chromium compute the same bits', () => {
  it('for flows, kernels and elementary functions', async () => {
    const inNode: Result = await engineScenario((p: string) => import(pathToFileURL(`${REPO}dist/${p}`).href));
    const page = await browser.newPage();
    await page.goto(`${server.url}package.json`); // any page of the origin: the modules are imported from it
    // a string, not a function: vitest would rewrite a function's import() for Node
    const base = JSON.stringify(server.url);
    const inChromium: Result = await page.evaluate(
      `(async () => { const mod = await import(${base} + 'e2e/engineScenario.js'); return mod.engineScenario((p) => import(${base} + 'dist/' + p)); })()`,
    );
    const version = await browser.version();
    await page.close();
    console.log(`Chromium ${version} vs Node ${process.versions.node}: IFT energy after 50 steps ${inNode.iftEnergyFinal} (Node), ${inChromium.iftEnergyFinal} (Chromium)`);
    const differing = Object.keys(inNode).filter((k) => inNode[k] !== inChromium[k]);
    expect(differing).toEqual([]);
    expect(Object.keys(inChromium).sort()).toEqual(Object.keys(inNode).sort());
  });
});
