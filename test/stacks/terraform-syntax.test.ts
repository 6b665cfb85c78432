/**
 * Terraform reads `${...}` and `%{...}` in any string of cdk.tf.json. Every one we emit must be a reference to a
 * resource of the same stack; file contents (scripts, configs, dashboards) must come out escaped.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { terraformLiteral } from '../../lib/terraform-literal';
import { EnvironmentSchema, environmentJsonSchema, type Environment } from '../../environments/schema';
import { tempDir } from '../support/env';
import { missingTool } from '../support/tools';
import { FIXTURES, PRESETS, stacksOf, synthEnvJson, type TfJson } from '../support/synth';

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  return out;
}

/** Unescaped interpolations and directives: `${` not preceded by `$`, `%{` not preceded by `%`. */
export function interpolations(s: string): string[] {
  return [...s.matchAll(/(?<![$])\$\{([^}]*)\}|(?<!%)%\{([^}]*)\}/g)].map((m) => m[0]);
}

describe.each([...PRESETS, 'fixture:all-engines'])('%s', (name) => {
  it('has no Terraform interpolation but references to resources of its own stack', () => {
    for (const [stack, tf] of Object.entries(stacksOf(name))) {
      const addresses = new Set(Object.entries((tf as TfJson).resource ?? {}).flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`)));
      for (const s of strings((tf as TfJson).resource)) {
        for (const i of interpolations(s)) {
          const ref = /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)[.[]/.exec(i)?.[1];
          expect(ref && addresses.has(ref), `${stack}: ${i}`).toBe(true);
        }
      }
    }
  });
});

it('escapes what would be read as interpolation', () => {
  expect(terraformLiteral("print(f\"${x} %{if}\")")).toBe('print(f"$${x} %%{if}")');
  expect(interpolations(terraformLiteral('${a} %{b}'))).toEqual([]);
  expect(interpolations('a ${b} c')).toEqual(['${b}']);
});

/*
 * Injection (issue 14, class 1): Terraform templates in any string of an environment file reach cdk.tf.json as
 * literal text. The fixture every-string.yaml sets every free-text field of the schema (checked below against
 * the schema itself); the tests put `${file("x")}`-like payloads into each field and into map keys, keep the
 * placements the schema accepts, synthesize, and assert that the only interpolations left are our own
 * references and that each payload is escaped exactly once.
 */
type Seg = string | number;
/** A string leaf (`value`) or a map key (`key`) of the environment data. */
type Spot = { readonly path: readonly Seg[]; readonly kind: 'value' | 'key' };

const PAYLOADS = ['${file("x")}', '%{ if true }x%{ endif }', '${file("~/.aws/credentials")}', '$${already}', 'a%%{b}${c}'] as const;
const RAW = parse(readFileSync(join(FIXTURES, 'every-string.yaml'), 'utf8')) as Record<string, unknown>;

function spots(v: unknown, path: Seg[] = [], out: Spot[] = []): Spot[] {
  if (typeof v === 'string') out.push({ path, kind: 'value' });
  else if (Array.isArray(v)) v.forEach((x, i) => spots(x, [...path, i], out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      // Map keys of free-form records (annotations) are user strings too.
      if (path.at(-1) === 'annotations') out.push({ path: [...path, k], kind: 'key' });
      spots(x, [...path, k], out);
    }
  }
  return out;
}
const spotId = (s: Spot) => `${s.kind}:${s.path.join('.')}`;

/** The data with `marker + payload` appended to each spot (a key is renamed, keeping its value). */
function inject(data: unknown, placed: ReadonlyArray<{ spot: Spot; text: string }>): Record<string, unknown> {
  const copy = structuredClone(data) as Record<string, unknown>;
  for (const { spot, text } of placed) {
    const parent = spot.path.slice(0, -1).reduce<any>((o, s) => o[s], copy);
    const last = spot.path.at(-1)!;
    if (spot.kind === 'value') parent[last] = `${parent[last]}${text}`;
    else {
      parent[`${String(last)}${text}`] = parent[last];
      delete parent[last];
    }
  }
  return copy;
}

/** Every string and every key of a JSON document. */
function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => allStrings(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      allStrings(x, out);
    }
  }
  return out;
}

/** Problems of one synthesized environment: foreign interpolations, and payloads not escaped exactly once. */
function injectionProblems(env: Environment, placed: ReadonlyArray<{ marker: string; payload: string }>): { problems: string[]; reached: Set<string> } {
  const problems: string[] = [];
  const reached = new Set<string>();
  for (const [stack, tf] of Object.entries(synthEnvJson(env))) {
    const doc = tf as unknown as Record<string, Record<string, Record<string, unknown>>>;
    const addresses = new Set([
      ...Object.entries(doc.resource ?? {}).flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`)),
      ...Object.entries(doc.data ?? {}).flatMap(([type, byId]) => Object.keys(byId).map((id) => `data.${type}.${id}`)),
    ]);
    const { '//': _meta, ...rest } = doc;
    for (const s of allStrings(rest)) {
      for (const i of interpolations(s)) {
        const ref = /^\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)[.[]/.exec(i)?.[1];
        if (!ref || !addresses.has(ref)) problems.push(`${stack}: foreign interpolation ${i} in ${JSON.stringify(s.slice(0, 120))}`);
      }
      for (const { marker, payload } of placed) {
        const at = s.indexOf(marker);
        if (at < 0) continue;
        reached.add(marker);
        // Once escaped: `${` -> `$${`, `%{` -> `%%{`; quotes may be JSON-escaped (files, nested JSON), so compare without `\`.
        const want = payload.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
        const got = s.slice(at + marker.length).replace(/\\/g, '');
        if (!got.startsWith(want)) problems.push(`${stack}: ${marker} not escaped once: ${JSON.stringify(got.slice(0, 40))} (want ${JSON.stringify(want)})`);
      }
    }
  }
  return { problems, reached };
}

describe('injection: Terraform templates in environment strings', () => {
  const all = spots(RAW);
  const ok = (data: unknown) => EnvironmentSchema.safeParse(data);
  // The placements the schema accepts one at a time, then together.
  // Each spot gets one payload, by its place in the fixture, and is tried with that payload.
  const payloadOf = (spot: Spot) => PAYLOADS[all.indexOf(spot) % PAYLOADS.length]!;
  const accepted = all.filter((spot) => ok(inject(RAW, [{ spot, text: `m${payloadOf(spot)}` }])).success);
  const together: Spot[] = [];
  for (const spot of accepted) if (ok(inject(RAW, [...together, spot].map((s) => ({ spot: s, text: `m${payloadOf(s)}` })))).success) together.push(spot);

  it('the fixture sets every free-text string field of the schema', () => {
    const norm = (p: readonly Seg[]) => p.map((s) => (typeof s === 'number' ? '[]' : s)).join('.');
    const set = new Set(all.filter((s) => s.kind === 'value').map((s) => norm(s.path)));
    const schemaStrings = stringFields((environmentJsonSchema().definitions as Record<string, unknown>).full);
    // Verbatim sections are refused, not escaped (tested below); the others are alternatives of one union.
    const elsewhere = /^(backend|kubernetes)\.|^extends$|^gpuPools\.\[\]\.sharing\.profile$|^edge\.tls\.(issuer\.|secretName)|^observability\.tracing\.(external|inCluster)\.|^observability\.logs\.sink\.(index|tokenSecret\.|host)$|^observability\.logs\.sink\.tokenSecret\./;
    const missing = schemaStrings.filter((p) => !set.has(p) && !elsewhere.test(p));
    expect(missing).toEqual([]);
    expect(accepted.length).toBeGreaterThan(15);
  });

  it('every accepted placement at once: no foreign interpolation, each payload escaped once', () => {
    const placed = together.map((spot, i) => ({ spot, marker: `inj${i}q`, payload: payloadOf(spot) }));
    const parsed = ok(inject(RAW, placed.map((p) => ({ spot: p.spot, text: p.marker + p.payload }))));
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    const { problems, reached } = injectionProblems(parsed.data!, placed);
    expect(problems).toEqual([]);
    // Most free-text fields do reach cdk.tf.json (the rest are read only by the checks, e.g. $schema).
    expect(reached.size).toBeGreaterThan(together.length / 2);
  });

  it.skipIf(missingTool('terraform', 'https://developer.hashicorp.com/terraform/install'))('terraform renders every escaped string as the text the user wrote', () => {
    // No providers offline: a configuration of locals and outputs only, holding the synthesized strings verbatim.
    const placed = together.map((spot, i) => ({ spot, marker: `tf${i}q`, payload: payloadOf(spot) }));
    const parsed = ok(inject(RAW, placed.map((p) => ({ spot: p.spot, text: p.marker + p.payload }))));
    const texts = [...new Set(Object.values(synthEnvJson(parsed.data!)).flatMap((tf) => allStrings(tf)))].filter((t) => placed.some((p) => t.includes(p.marker)));
    expect(texts.length).toBeGreaterThan(10);
    const dir = tempDir('tf-literal-');
    const config = { locals: Object.fromEntries(texts.map((t, i) => [`s${i}`, t])), output: { all: { value: `\${[${texts.map((_, i) => `local.s${i}`).join(', ')}]}` } } };
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config));
    const tf = (...args: string[]) => execFileSync('terraform', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    tf('init', '-input=false', '-backend=false');
    tf('apply', '-auto-approve', '-input=false', '-lock=false', `-state=${join(dir, 'state')}`);
    const rendered = JSON.parse(tf('output', '-json', `-state=${join(dir, 'state')}`)).all.value as string[];
    let checked = 0;
    for (const { marker, payload } of placed) {
      for (const text of rendered.filter((t) => t.includes(marker))) {
        checked++;
        const at = text.indexOf(marker) + marker.length;
        expect(text.slice(at).replace(/\\/g, '').startsWith(payload), `${marker}: ${text.slice(at - marker.length, at + 40)}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(10);
  }, 60_000);

  it('random payloads in random fields (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...together), { minLength: 1, maxLength: 6, selector: spotId }),
        fc.array(fc.constantFrom(...PAYLOADS, '${', '%{', '$${x}', '}${a}'), { minLength: 6, maxLength: 6 }),
        fc.string({ maxLength: 4, unit: fc.constantFrom('a', '$', '%', '{', '}') }),
        (chosen, payloads, noise) => {
          const placed = chosen.map((spot, i) => ({ spot, marker: `rnd${i}q`, payload: `${payloads[i]}${noise}` }));
          const parsed = ok(inject(RAW, placed.map((p) => ({ spot: p.spot, text: p.marker + p.payload }))));
          if (!parsed.success) return; // a payload may break a field's syntax together with the noise: refused, fine
          expect(injectionProblems(parsed.data, placed).problems).toEqual([]);
        },
      ),
      { numRuns: 6, seed: 14 },
    );
  });
});

/** Dotted paths of the string fields (not enums or constants) of a JSON schema; `[]` for array items. */
function stringFields(schema: unknown, path = '', out: string[] = []): string[] {
  const s = schema as Record<string, any>;
  if (!s || typeof s !== 'object') return out;
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) stringFields(alt, path, out);
  if (s.type === 'string' && s.enum === undefined && s.const === undefined && !out.includes(path)) out.push(path);
  if (s.type === 'array' && s.items) stringFields(s.items, `${path}.[]`.replace(/^\./, ''), out);
  for (const [k, v] of Object.entries(s.properties ?? {})) stringFields(v, path ? `${path}.${k}` : k, out);
  return out;
}
