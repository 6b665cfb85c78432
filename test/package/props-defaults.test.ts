/**
 * The construct library documents what an omitted prop means: every optional field of an interface exported from
 * constructs/*.ts carries `@default` in its doc comment (aws-cdk's style: a value, or `- <what happens>`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../support/paths';

/** Interfaces that mirror a Kubernetes API object field for field: their defaults are the API's. */
const API_SHAPES = ['LeaderWorkerSetManifest'];

it('documents a @default for every optional prop of the construct library', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const f of readdirSync(join(REPO, 'constructs')).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(join(REPO, 'constructs', f), 'utf8');
    for (const m of text.matchAll(/^export interface (\w+)[^{]*\{\n([\s\S]*?)^\}/gm)) {
      if (API_SHAPES.includes(m[1]!)) continue;
      // each field with the doc comment right above it (or none)
      for (const field of m[2]!.matchAll(/((?:^ {2}\/\*\*(?:(?!\*\/)[\s\S])*\*\/\n)?)^ {2}readonly (\w+)(\?)?:/gm)) {
        if (!field[3]) continue;
        checked += 1;
        if (!field[1]!.includes('@default')) missing.push(`constructs/${f}: ${m[1]}.${field[2]}`);
      }
    }
  }
  expect(checked, "optional fields found").toBeGreaterThan(30);
  expect(missing, 'add `@default <value>` or `@default - <what happens>` to their doc comments').toEqual([]);
});
