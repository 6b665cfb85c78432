/**
 * The shape of the code: one-way dependencies (bin -> environments -> stacks -> constructs -> charts, with the
 * catalog of facts at the bottom, and the policy check independent of all of them), cdktf imported in two files only, provider bindings by deep path, no casts.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/paths';

const SOURCE_DIRS = ['bin', 'policy', 'environments', 'stacks', 'constructs', 'charts', 'catalog'] as const;
type Layer = (typeof SOURCE_DIRS)[number];

/** What each layer may import from the project (besides itself). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  bin: ['policy', 'environments', 'stacks', 'constructs', 'charts', 'catalog'],
  // the policy check reads synthesized JSON only: it shares no code with what produced it
  policy: [],
  // environments hold the schema and the loader; they read facts and chart pins, never stacks or constructs
  environments: ['charts', 'catalog'],
  // stacks read the validated Environment type (type-only imports) and wire constructs
  stacks: ['environments', 'constructs', 'charts', 'catalog'],
  constructs: ['charts', 'catalog'],
  charts: ['catalog'],
  catalog: [],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const files = SOURCE_DIRS.flatMap((d) => sourceFiles(join(REPO, d)).map((file) => ({ layer: d, file, text: readFileSync(file, 'utf8') })));
const importsOf = (text: string) => [...text.matchAll(/^(import|export)\s(type\s)?[^'"]*from\s+'([^']+)'/gm)].map((m) => ({ typeOnly: Boolean(m[2]), spec: m[3]! }));

describe('architecture', () => {
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(15);
  });

  it('keeps dependencies one-way', () => {
    const wrong: string[] = [];
    for (const { layer, file, text } of files) {
      for (const { spec, typeOnly } of importsOf(text)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(REPO, join(file, '..', spec)).split('/')[0] as Layer;
        if (target === layer) continue;
        if (!ALLOWED[layer].includes(target)) wrong.push(`${relative(REPO, file)} imports ${spec}`);
        if (layer === 'stacks' && target === 'environments' && !typeOnly) wrong.push(`${relative(REPO, file)} imports values from ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps stacks plain mapping: no stack imports another stack (only stacks/private and the topology module)', () => {
    // environment-stacks.ts wires the stacks together; index.ts re-exports them.
    const wiring = ['stacks/environment-stacks.ts', 'stacks/index.ts'];
    const wrong: string[] = [];
    for (const { layer, file, text } of files) {
      const at = relative(REPO, file);
      if (layer !== 'stacks' || wiring.includes(at)) continue;
      for (const { spec } of importsOf(text)) {
        const target = relative(REPO, join(file, '..', spec));
        if (target.startsWith('stacks/') && !target.startsWith('stacks/private/') && /-stacks?$/.test(target)) wrong.push(`${at} imports ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps chart values out of stacks: no stack imports charts/ (the constructs that install a chart build its values)', () => {
    const wrong = files
      .filter(({ layer }) => layer === 'stacks')
      .flatMap(({ file, text }) => importsOf(text).filter(({ spec }) => relative(REPO, join(file, '..', spec)).startsWith('charts/')).map(({ spec }) => `${relative(REPO, file)} imports ${spec}`));
    expect(wrong).toEqual([]);
  });

  it('keeps stacks plain mapping: no non-null assertions re-deriving what validation guaranteed (the resolved environment holds it)', () => {
    const wrong = files
      .filter(({ layer }) => layer === 'stacks')
      .flatMap(({ file, text }) => text.split('\n').flatMap((line, i) => (/[\w)\]]!(?!=)/.test(line.replace(/\/\/.*$|'[^']*'|`[^`]*`/g, '')) ? [`${relative(REPO, file)}:${i + 1}: ${line.trim()}`] : [])));
    expect(wrong).toEqual([]);
  });

  it('imports cdktf in two files only, so that a move to CDK Terrain is a rename there', () => {
    const users = files.filter(({ text }) => importsOf(text).some(({ spec }) => spec === 'cdktf' || spec.startsWith('@cdktf/')));
    expect(users.map(({ file }) => relative(REPO, file)).sort()).toEqual(['constructs/private/bindings.ts', 'constructs/private/cdktf.ts']);
  });

  it('imports provider bindings by deep path only', () => {
    const index = files.filter(({ text }) => /from '@cdktf\/provider-[a-z]+'/.test(text));
    expect(index.map(({ file }) => file)).toEqual([]);
  });

  it('has no casts to any in sources', () => {
    const casts = files.filter(({ text }) => /\bas any\b|<any>/.test(text));
    expect(casts.map(({ file }) => file)).toEqual([]);
  });

  it('has one construct per file and index files that only re-export', () => {
    for (const { file, text } of files.filter((f) => f.layer === 'constructs' && !f.file.includes('/private/'))) {
      expect((text.match(/^export class /gm) ?? []).length, file).toBeLessThanOrEqual(1);
      if (file.endsWith('index.ts')) expect(text.trim().split('\n').every((l) => l.startsWith('export '))).toBe(true);
    }
  });
});
