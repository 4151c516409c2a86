/**
 * The commands that explain measureflow from the command line: `presets` (each preset as
 * space · energy · geometry · scheme), `schema` (the run spec's JSON Schema) and `init`
 * (a runnable example spec), plus the field list appended to `run --help`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { InputError } from '../core/errors.js';
import { exampleSpec, PRESET_INFO, presetLine } from '../presets/catalog.js';
import type { PresetName } from '../presets/index.js';
import { PRESET_NAMES } from '../presets/index.js';
import { parseSpec, specJsonSchema } from '../spec/schema.js';

type Io = { out: (s: string) => void; err: (s: string) => void };

/** Lines `  field  description` for every top-level field of the run spec (required ones marked). */
export function specFieldsHelp(): string {
  const schema = specJsonSchema() as { properties: Record<string, { description?: string; enum?: unknown[] }>; required?: string[] };
  const req = new Set(schema.required ?? []);
  const width = Math.max(...Object.keys(schema.properties).map((k) => k.length)) + 2;
  const lines = Object.entries(schema.properties).map(([k, v]) => {
    const choices = v.enum && k !== 'algorithm' ? ` [${v.enum.join('|')}]` : '';
    return `  ${k.padEnd(width)}${req.has(k) ? '(required) ' : ''}${v.description ?? ''}${choices}`;
  });
  return [
    '',
    'Spec fields (JSON; `measureflow schema` prints the full JSON Schema, `measureflow init PRESET` writes an example):',
    ...lines,
    '',
    'Objects that name a family say "kind": {"kind": "gaussian", "sigma": 1}. File names are relative to the spec file.',
  ].join('\n');
}

export function registerExplainCommands(program: Command, io: Io): void {
  program
    .command('presets')
    .description('list the named algorithms, each as space · energy · geometry · scheme')
    .option('--json', 'print JSON on stdout')
    .action((o) => {
      if (o.json) {
        io.out(`${JSON.stringify(PRESET_NAMES.map((name) => ({ name, ...PRESET_INFO[name] })))}\n`);
        return;
      }
      const w = Math.max(...PRESET_NAMES.map((n) => n.length)) + 2;
      for (const name of PRESET_NAMES) io.out(`${name.padEnd(w)}${presetLine(name)}\n`);
      io.out(`\n"custom" composes your own: give energy, transport and/or reaction (measureflow run --help).\n`);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the run spec (for editors and validators)')
    .option('-o, --out <file>', 'write it to a file instead of stdout')
    .action((o) => {
      const text = `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
      if (o.out) {
        writeFileSync(o.out, text);
        io.err(`wrote the JSON Schema of the run spec to ${o.out}\n`);
      } else io.out(text);
    });

  program
    .command('init')
    .description('write a runnable example spec for a preset (named target and initial distribution, no files needed)')
    .argument('<preset>', `one of ${PRESET_NAMES.join(', ')}`)
    .option('-o, --out <file>', 'write the spec to this file (default: print it)')
    .option('--force', 'overwrite an existing file')
    .action((name, o) => {
      if (!(PRESET_NAMES as readonly string[]).includes(name)) throw new InputError('preset', name, `one of ${PRESET_NAMES.join(', ')}`);
      const spec = exampleSpec(name as PresetName);
      parseSpec(spec); // the example is valid by construction; checked so it never rots
      const text = `${JSON.stringify(spec, null, 2)}\n`;
      if (!o.out) {
        io.out(text);
        return;
      }
      if (existsSync(o.out) && !o.force) throw new InputError('--out', o.out, 'a file that does not exist yet (or --force)');
      mkdirSync(dirname(resolve(o.out)), { recursive: true });
      writeFileSync(o.out, text);
      io.out(`wrote ${o.out} (${presetLine(name as PresetName)}); run it with: measureflow run ${o.out}\n`);
    });
}
