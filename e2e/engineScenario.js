/**
 * Runs the same flows in whatever JavaScript engine loads this file (Node, Chromium) and
 * returns every number that matters as the hex of its IEEE-754 bytes, so two engines can be
 * compared bit for bit. `load(path)` imports a module of the built library (`dist/…`); only
 * modules without bare imports are used, so a browser can load them from a static server.
 */
export async function engineScenario(load) {
  const [P, F, R, M, G, T, K, S, Mx] = await Promise.all([
    load('presets/index.js'),
    load('flows/flow.js'),
    load('flows/run.js'),
    load('core/measure.js'),
    load('core/rng.js'),
    load('targets/paper.js'),
    load('kernels/kernel.js'),
    load('backend/kernelSums.js'),
    load('core/math.js'),
  ]);
  const hex = (a) => {
    const f = Float64Array.from(a);
    const b = new Uint8Array(f.buffer);
    let s = '';
    for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
    return s;
  };
  const out = {};

  // 1. The README's IFT example: exact MMD step (QP on the kernel matrix), 50 steps.
  const target = T.paperGaussian2d();
  const Y = target.sample(G.rng(0, 0), 200);
  const r = G.rng(1);
  const X0 = new Float64Array(400).map(() => 3 + r.normal());
  const mu0 = M.particleMeasure(X0, 2);
  const kernel = { kind: 'gaussian', sigma: 1 };
  const ift = R.runFlow(F.flow(P.ift({ kernel, target: { Y, d: 2 }, tau: 1, eta: 0.1, variant: 'exact' })), mu0, { steps: 50, seed: 0, every: 1 });
  out.iftX = hex(ift.final.mu.X);
  out.iftW = hex(ift.final.mu.w);
  out.iftEnergy = hex(ift.history.map((h) => h.energy));
  out.iftEnergyFinal = ift.history.at(-1).energy;

  // 2. WFR (Fisher-Rao mirror step: exp of the first variation) with an IMQ kernel of a
  //    general exponent (a pow outside the common ½, 1, 3/2) — 20 steps.
  const wfr = R.runFlow(F.flow(P.wfr({ kernel: { kind: 'imq', sigma: 1.3, beta: 0.7 }, target: { Y, d: 2 }, tau: 0.5, eta: 0.5 })), mu0, {
    steps: 20,
    seed: 3,
  });
  out.wfrX = hex(wfr.final.mu.X);
  out.wfrW = hex(wfr.final.mu.w);

  // 3. IFT exact step with every other kernel family (kernel matrix and kernel sums).
  for (const k of [
    { kind: 'laplace', sigma: 0.9 },
    { kind: 'matern32', sigma: 1.1 },
    { kind: 'energy', beta: 1.5 },
    { kind: 'imq', sigma: 2, beta: 2.5 },
  ]) {
    const res = R.runFlow(F.flow(P.ift({ kernel: k, target: { Y: Y.subarray(0, 120), d: 2 }, tau: 0.3, eta: 0.05 })), M.particleMeasure(X0.slice(0, 120), 2), {
      steps: 8,
      seed: 5,
    });
    out[`ift-${k.kind}-X`] = hex(res.final.mu.X);
    out[`ift-${k.kind}-W`] = hex(res.final.mu.w);
  }

  // 4. Langevin on the paper's Gaussian mixture (its score goes through log-sum-exp).
  const mix = T.paperMixture2d();
  const lan = R.runFlow(F.flow(P.langevin({ target: mix, tau: 0.05 })), mu0, { steps: 30, seed: 7 });
  out.langevinX = hex(lan.final.mu.X);

  // 5. Kernel values and sums on a grid of squared distances, and the elementary functions.
  const s = Array.from({ length: 2001 }, (_, i) => (i * i) / 40000 + i / 7);
  for (const k of [kernel, { kind: 'imq', sigma: 0.7, beta: 0.3 }, { kind: 'laplace', sigma: 2 }, { kind: 'matern32', sigma: 0.5 }, { kind: 'energy', beta: 0.6 }])
    out[`value-${k.kind}`] = hex(s.map((x) => K.kernelValue(k, x)));
  out.sum = hex(S.kernelSum(kernel, X0, Y, 2, new Float64Array(200).fill(1 / 200)));
  const xs = Array.from({ length: 4001 }, (_, i) => (i - 2000) * 0.3517);
  out.exp = hex(xs.map((x) => Mx.exp(x)));
  out.log = hex(xs.map((x) => Mx.log(Math.abs(x) + 1e-3)));
  out.pow = hex(xs.map((x) => Mx.powNonNegative(Math.abs(x), 0.37)));
  return out;
}
