/**
 * The shape of the code, as README.md's Layout section draws it: one-way dependencies between folders (the arrows
 * there are read and checked against ALLOWED here), lib/ at the bottom, private/ folders private to their folder,
 * no stack importing another stack or a chart's values builder, cdktf imported in two files only, provider
 * bindings by deep path, no casts.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/paths';

const SOURCE_DIRS = ['bin', 'policy', 'environments', 'stacks', 'constructs', 'charts', 'observability', 'catalog', 'lib'] as const;
type Layer = (typeof SOURCE_DIRS)[number];

/** What each layer may import from the project (besides itself). Transitively closed: README's arrows say the same. */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  bin: ['policy', 'environments', 'stacks', 'constructs', 'charts', 'observability', 'catalog', 'lib'],
  // the policy check reads synthesized JSON only (with lib/tf-json.ts): it shares no code with what produced it
  policy: ['lib'],
  // environments hold the schema and the loader; they read facts and chart pins, never stacks or constructs
  environments: ['charts', 'catalog', 'lib'],
  // stacks read the validated Environment type (type-only imports) and wire constructs
  stacks: ['environments', 'constructs', 'charts', 'observability', 'catalog', 'lib'],
  constructs: ['charts', 'observability', 'catalog', 'lib'],
  // alert rules, dashboards and metric names: read by constructs and stacks, they read facts only
  observability: ['catalog', 'lib'],
  charts: ['catalog', 'lib'],
  catalog: ['lib'],
  // the bottom: imported by anyone, imports nothing of ours
  lib: [],
};

/**
 * Imports of a folder's private/ from outside that folder, left until their owners rework them. This list must only
 * shrink: an entry that is no longer needed fails the test until it is removed.
 */
const PRIVATE_IMPORTS_LEFT: readonly string[] = [
  // the model pod's sizing constants and the script Job, read by stack tests (constructs/private/* is being reworked)
  'test/stacks/gpu-pools.test.ts imports ../../constructs/private/server-sizing',
  'test/stacks/reapply.test.ts imports ../../constructs/private/script-job',
];

/** Stacks that import another stack (namespace names, shared predicates), left until stacks/ is reworked. Only shrinks. */
const STACK_TO_STACK_LEFT: readonly string[] = [];

/** Stacks that call a chart's values builder instead of a construct, left until stacks/ is reworked. Only shrinks. */
const STACK_TO_CHART_BUILDER_LEFT: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === 'node_modules' || f === 'fixtures' || f === '__snapshots__') return [];
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const rel = (file: string) => relative(REPO, file);
const files = SOURCE_DIRS.flatMap((d) => sourceFiles(join(REPO, d)).map((file) => ({ layer: d, file, text: readFileSync(file, 'utf8') })));
/** Sources, tests and benchmarks: everything that may import a private/ folder. */
const everyFile = [...files, ...['test', 'bench'].flatMap((d) => sourceFiles(join(REPO, d)).map((file) => ({ file, text: readFileSync(file, 'utf8') })))];
const importsOf = (text: string) => [
  ...[...text.matchAll(/^(import|export)\s(type\s)?([^'"]*)from\s+'([^']+)'/gm)].map((m) => ({ typeOnly: Boolean(m[2]), names: m[3]!, spec: m[4]! })),
  ...[...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => ({ typeOnly: false, names: '', spec: m[1]! })),
];
/** The repository path an import specifier names, relative to the repository root (no extension). */
const target = (file: string, spec: string) => rel(join(file, '..', spec));

/** An allowlist that only shrinks: its entries must all still be found. */
function expectLeft(found: string[], left: readonly string[]) {
  expect(found.filter((f) => !left.includes(f)), 'new violations').toEqual([]);
  expect(left.filter((l) => !found.includes(l)), 'fixed: remove these from the allowlist').toEqual([]);
}

/** The Layout section's arrows lines (`a -> b -> c`: a may import b, and whatever b may import). */
function readmeArrows(): Array<[string, string]> {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const layout = /^## Layout\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  return layout
    .split('\n')
    .filter((l) => /^[a-z]+( -> [a-z]+)+$/.test(l.trim()))
    .flatMap((l) => {
      const chain = l.trim().split(' -> ');
      return chain.slice(1).map((to, i): [string, string] => [chain[i]!, to]);
    });
}

describe('architecture', () => {
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(15);
    for (const layer of SOURCE_DIRS) expect(files.some((f) => f.layer === layer), layer).toBe(true);
  });

  it('keeps dependencies one-way', () => {
    const wrong: string[] = [];
    for (const { layer, file, text } of files) {
      for (const { spec, typeOnly } of importsOf(text)) {
        if (!spec.startsWith('.')) continue;
        const to = target(file, spec).split('/')[0] as Layer;
        if (to === layer) continue;
        if (!ALLOWED[layer].includes(to)) wrong.push(`${rel(file)} imports ${spec}`);
        if (layer === 'stacks' && to === 'environments' && !typeOnly) wrong.push(`${rel(file)} imports values from ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('draws in README.md the dependencies ALLOWED holds, both ways', () => {
    const arrows = readmeArrows();
    expect(arrows.length, 'README.md Layout section has no `a -> b` lines').toBeGreaterThan(0);
    const layers = new Set<string>(SOURCE_DIRS);
    expect(arrows.flat().filter((l) => !layers.has(l)), 'README arrows name folders that are not layers').toEqual([]);
    // the arrows' transitive closure
    const reach = new Map<string, Set<string>>(SOURCE_DIRS.map((l) => [l, new Set<string>()]));
    for (const [from, to] of arrows) reach.get(from)!.add(to);
    for (let changed = true; changed; ) {
      changed = false;
      for (const set of reach.values()) {
        for (const to of [...set]) {
          for (const next of reach.get(to)!) {
            if (set.has(next)) continue;
            set.add(next);
            changed = true;
          }
        }
      }
    }
    const drawn = SOURCE_DIRS.flatMap((l) => [...reach.get(l)!].map((to) => `${l} -> ${to}`)).sort();
    const allowed = SOURCE_DIRS.flatMap((l) => ALLOWED[l].map((to) => `${l} -> ${to}`)).sort();
    expect(drawn).toEqual(allowed);
  });

  it('keeps private/ private: a file in X/private/ is imported only from X/ (or its tests, test/X/)', () => {
    const found: string[] = [];
    for (const { file, text } of everyFile) {
      const from = rel(file);
      for (const { spec } of importsOf(text)) {
        if (!spec.startsWith('.')) continue;
        const m = /^([a-z-]+)\/(?:.*\/)?private\//.exec(target(file, spec));
        if (!m) continue;
        const owner = m[1]!;
        if (from.startsWith(`${owner}/`) || from.startsWith(`test/${owner}/`)) continue;
        found.push(`${from} imports ${spec}`);
      }
    }
    expectLeft(found, PRIVATE_IMPORTS_LEFT);
  });

  it('has no stack importing another stack: environment-stacks.ts composes them', () => {
    const found = files
      .filter(({ file }) => /^stacks\/[^/]+-stack\.ts$/.test(rel(file)))
      .flatMap(({ file, text }) => importsOf(text).filter(({ spec }) => /^\.\/[^/]+-stack$/.test(spec)).map(({ spec }) => `${rel(file)} imports ${spec}`));
    expectLeft(found, STACK_TO_STACK_LEFT);
  });

  it("has no stack calling a chart's values builder: constructs install charts", () => {
    const builders = new Set(files.filter((f) => f.layer === 'charts').flatMap(({ text }) => [...text.matchAll(/^export function (\w+Values)\(/gm)].map((m) => m[1]!)));
    expect(builders.size).toBeGreaterThan(5);
    const found: string[] = [];
    for (const { file, text } of files.filter((f) => f.layer === 'stacks')) {
      for (const { spec, names } of importsOf(text)) {
        if (target(file, spec).split('/')[0] !== 'charts') continue;
        for (const name of names.replace(/[{}]/g, ' ').split(/[\s,]+/)) if (builders.has(name)) found.push(`${rel(file)} imports ${name} from ${spec}`);
      }
    }
    expectLeft(found, STACK_TO_CHART_BUILDER_LEFT);
  });

  it('keeps chart values out of stacks: no stack imports charts/ (the constructs that install a chart build its values)', () => {
    const wrong = files
      .filter(({ layer }) => layer === 'stacks')
      .flatMap(({ file, text }) => importsOf(text).filter(({ spec }) => target(file, spec).startsWith('charts/')).map(({ spec }) => `${rel(file)} imports ${spec}`));
    expect(wrong).toEqual([]);
  });

  it('keeps stacks plain mapping: no non-null assertions re-deriving what validation guaranteed (the resolved environment holds it)', () => {
    const wrong = files
      .filter(({ layer }) => layer === 'stacks')
      .flatMap(({ file, text }) => text.split('\n').flatMap((line, i) => (/[\w)\]]!(?!=)/.test(line.replace(/\/\/.*$|'[^']*'|`[^`]*`/g, '')) ? [`${rel(file)}:${i + 1}: ${line.trim()}`] : [])));
    expect(wrong).toEqual([]);
  });

  it('imports cdktf, constructs and @cdktf/* in lib/cdktf.ts and lib/bindings.ts only, so that a move to CDK Terrain is a rename there', () => {
    const users = everyFile.filter(({ text }) => importsOf(text).some(({ spec }) => spec === 'cdktf' || spec === 'constructs' || spec.startsWith('@cdktf/')));
    expect(users.map(({ file }) => rel(file)).sort()).toEqual(['lib/bindings.ts', 'lib/cdktf.ts']);
  });

  it('rebuilds the bundle when any layer changes and type-checks every layer', () => {
    const sources = /const SOURCES = \[([^\]]*)\]/.exec(readFileSync(join(REPO, 'bin/run.cjs'), 'utf8'))?.[1] ?? '';
    const include = (JSON.parse(readFileSync(join(REPO, 'tsconfig.json'), 'utf8')) as { include: string[] }).include;
    for (const layer of SOURCE_DIRS) {
      expect(sources, `bin/run.cjs SOURCES lacks ${layer}`).toContain(`'${layer}'`);
      expect(include, `tsconfig.json include lacks ${layer}`).toContain(`${layer}/**/*.ts`);
    }
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
