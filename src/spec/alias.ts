import { InputError } from '../core/errors.js';

/**
 * One word for "which one": the library writes `{kind: 'gaussian'}`, `{kind: 'wasserstein'}`,
 * and so does the run spec. Specs written for measureflow 0.1 said `{"type": …}`; that word
 * is still read, as an alias of `kind`, in every object of the spec that has a kind (kernels,
 * energy, transport, reaction, potential, interaction, internal) — never inside `target` or
 * `init`, whose named distributions take their own parameters.
 */

/** Spec fields (top level) whose objects, and nested objects, may carry a `kind`. */
const KIND_FIELDS = ['kernel', 'energy', 'transport', 'reaction', 'potential', 'interaction', 'internal'] as const;

/**
 * A copy of a spec object with every `type` of a kind-carrying object renamed to `kind`,
 * and the dotted paths where that happened (`spec.kernel.type`, …). Throws an `InputError`
 * if one object gives both words.
 */
export function normaliseSpecWords(input: unknown): { spec: unknown; aliased: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { spec: input, aliased: [] };
  const aliased: string[] = [];
  const fix = (v: unknown, path: string): unknown => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const o: Record<string, unknown> = {};
    const src = v as Record<string, unknown>;
    if ('type' in src && 'kind' in src)
      throw new InputError(`${path}.type`, src.type, `only "kind" (${path} gives both "kind" and "type"; "type" is the old name of "kind")`);
    for (const [k, x] of Object.entries(src)) {
      if (k === 'type') {
        o.kind = x;
        aliased.push(`${path}.type`);
      } else o[k] = fix(x, `${path}.${k}`);
    }
    return o;
  };
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const f of KIND_FIELDS) if (f in out) out[f] = fix(out[f], `spec.${f}`);
  const rec = out.record;
  if (typeof rec === 'object' && rec !== null && !Array.isArray(rec) && 'kernel' in rec)
    out.record = { ...rec, kernel: fix((rec as Record<string, unknown>).kernel, 'spec.record.kernel') };
  return { spec: out, aliased };
}
