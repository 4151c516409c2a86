import cliProgress from 'cli-progress';

export interface Progress {
  update(step: number, row?: Record<string, number | undefined>): void;
  stop(): void;
}

/**
 * A progress bar on stderr, only when stderr is a terminal and not under CI (cli-progress
 * otherwise prints its last frame into pipes and logs). Otherwise a no-op.
 */
export function createProgress(total: number, label: string): Progress | null {
  if (!process.stderr.isTTY || process.env.CI) return null;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} steps | {metric} | eta {eta_formatted}`, hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { metric: '' });
  return {
    update(step, row) {
      const payload: Record<string, string> = {};
      if (row) {
        const parts = Object.entries(row)
          .filter(([k, v]) => k !== 'step' && k !== 't' && k !== 'wallMs' && typeof v === 'number')
          .map(([k, v]) => `${k} ${(v as number).toPrecision(4)}`);
        payload.metric = parts.join(' ');
      }
      bar.update(step, payload);
    },
    stop() {
      bar.stop();
    },
  };
}
