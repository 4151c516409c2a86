/**
 * The history figure of a single run: the recorded quantities against the step, one panel
 * per kind of quantity — distances to π (MMD, KSD, W₂; log scale), the energy F(µ), the
 * effective sample size (a count of particles, linear scale), the total mass — so numbers of
 * different units never share an axis. Pure: returns a Vega-Lite spec.
 */
import type { CurveSeries } from './curves.js';
import { curvesChart } from './curves.js';
import type { VegaLiteSpec } from './theme.js';
import { plotConfig, VEGA_LITE_SCHEMA } from './theme.js';

/** One recorded row: `step` and the quantities (absent or undefined where not computed). */
export type HistoryPoint = { step: number } & Record<string, number | undefined>;

/** A panel of the history figure: which quantities it shows and how. */
interface PanelKind {
  title: string;
  yLabel: string;
  keys: readonly string[];
  log: boolean;
}

/** Legend labels of the known quantities (with their units). */
const LABELS: Record<string, string> = {
  mmd: 'MMD to π',
  ksd: 'KSD to π',
  w2: 'W₂ to π',
  mmdToClosedForm: 'MMD to the closed form',
  energy: 'F(µ)',
  ess: 'ESS',
  mass: 'mass Σwᵢ',
};

const PANELS: readonly PanelKind[] = [
  { title: 'distances to the target (not squared)', yLabel: 'distance (log scale)', keys: ['mmd', 'ksd', 'w2', 'mmdToClosedForm'], log: true },
  { title: 'energy', yLabel: 'F(µ)', keys: ['energy'], log: true },
  { title: 'effective sample size', yLabel: 'ESS (particles)', keys: ['ess'], log: false },
  { title: 'total mass', yLabel: 'Σᵢ wᵢ', keys: ['mass'], log: false },
];

/** Keys that are bookkeeping, not quantities. */
const NOT_QUANTITIES = new Set(['step', 't', 'wallMs']);

/**
 * The panels of a run's history: every numeric quantity present in `rows` goes to the panel
 * of its kind (unknown quantities each get a panel of their own); a log axis only where all
 * its values are > 0; the mass panel only when the mass changes (on P it is 1 throughout).
 * Returns null when there is nothing to draw.
 */
export function historyChart(o: { title: string; rows: readonly HistoryPoint[]; width?: number; height?: number }): VegaLiteSpec | null {
  const keys: string[] = [];
  for (const r of o.rows) for (const [k, v] of Object.entries(r)) if (!NOT_QUANTITIES.has(k) && typeof v === 'number' && !keys.includes(k)) keys.push(k);
  const series = (k: string): CurveSeries | null => {
    const rows = o.rows.filter((r) => typeof r[k] === 'number' && Number.isFinite(r[k]));
    if (rows.length === 0) return null;
    return { method: LABELS[k] ?? k, step: rows.map((r) => r.step), mean: rows.map((r) => r[k] as number) };
  };
  const kinds: PanelKind[] = [...PANELS];
  for (const k of keys) if (!PANELS.some((p) => p.keys.includes(k))) kinds.push({ title: k, yLabel: k, keys: [k], log: true });
  const panels: Record<string, unknown>[] = [];
  for (const p of kinds) {
    const ss = p.keys.filter((k) => keys.includes(k)).map(series).filter((s): s is CurveSeries => s !== null);
    if (ss.length === 0) continue;
    const values = ss.flatMap((s) => Array.from(s.mean));
    if (p.keys.includes('mass') && Math.max(...values) - Math.min(...values) <= 1e-12 * Math.max(1, Math.abs(values[0]!))) continue;
    const logY = p.log && values.every((v) => v > 0);
    const { $schema: _s, config: _c, ...panel } = curvesChart({
      title: p.title,
      xLabel: 'step',
      yLabel: logY ? p.yLabel : p.yLabel.replace(' (log scale)', ''),
      series: ss,
      logY,
      legendTitle: 'quantity',
      width: o.width ?? 560,
      height: o.height ?? 200,
    }) as unknown as Record<string, unknown>;
    // layer names must be unique across the figure (vega names its marks and data by them)
    const layers = (panel.layer as Record<string, unknown>[]).map((l) => ({ ...l, name: `p${panels.length}_${String(l.name)}` }));
    panels.push({ ...panel, layer: layers });
  }
  if (panels.length === 0) return null;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: o.title,
    config: plotConfig(),
    vconcat: panels,
    resolve: { scale: { color: 'independent', y: 'independent' }, legend: { color: 'independent' } },
  } as unknown as VegaLiteSpec;
}
