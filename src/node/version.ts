import { readFileSync } from 'node:fs';

let cached: string | undefined;
/** The version field of measureflow's package.json (works from src/ under tsx and from dist/). */
export function packageVersion(): string {
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  cached = pkg.version;
  return cached;
}
