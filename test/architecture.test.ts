import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}
const src = files(join(root, 'src'));

describe('architecture', () => {
  it('nothing outside src/node imports Node built-ins (the core runs in a browser)', () => {
    const offenders = src
      .filter((f) => !relative(root, f).startsWith('src/node/'))
      .filter((f) => /from\s+['"](node:[^'"]+|fs|path|os|worker_threads|child_process)['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });
  it('no Math.random in src/ (randomness is always passed in)', () => {
    const offenders = src.filter((f) => /Math\.random\s*\(/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });
  it('the core does not import from src/node', () => {
    const offenders = src
      .filter((f) => !relative(root, f).startsWith('src/node/'))
      .filter((f) => /from\s+['"][^'"]*\/node\/[^'"]*['"]/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });
});
