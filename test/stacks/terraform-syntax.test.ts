/**
 * Terraform reads `${...}` and `%{...}` in any string of cdk.tf.json. Every one we emit must be a reference to a
 * resource of the same stack; file contents (scripts, configs, dashboards) must come out escaped.
 */
import { describe, expect, it } from 'vitest';
import { terraformLiteral } from '../../constructs/private/terraform-literal';
import { FIXTURES, PRESETS, fixtureEnv, presetEnv, synthEnvJson, type TfJson } from '../support/synth';

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

const cases = [...PRESETS.map((p) => ({ name: p, env: presetEnv(p) })), { name: 'all-engines', env: fixtureEnv('all-engines') }];

describe.each(cases)('$name', ({ env }) => {
  it('has no Terraform interpolation but references to resources of its own stack', () => {
    for (const [stack, tf] of Object.entries(synthEnvJson(env))) {
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
  expect(FIXTURES).toBeTruthy();
});
