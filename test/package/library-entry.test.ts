/**
 * The construct library's one entry (package.json "exports" "." -> constructs/index.ts): every public construct
 * (a constructs/*.ts exporting a class) is exported from it, so a cdktf user never imports by deep path.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as library from '../../constructs';
import { REPO } from '../support/paths';

it('exports every public construct class from the package entry', () => {
  const classes = readdirSync(join(REPO, 'constructs'))
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(join(REPO, 'constructs', f), 'utf8').matchAll(/^export class (\w+)/gm)].map((m) => m[1]!));
  expect(classes.length).toBeGreaterThan(15);
  const exported = new Set(Object.keys(library));
  expect(classes.filter((c) => !exported.has(c)), 'add them to constructs/index.ts').toEqual([]);
});

it('names the entry in package.json exports, types and main', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { main: string; types: string; exports: Record<string, { types: string; default: string }> };
  expect(pkg.exports['.']).toEqual({ types: './dist/constructs/index.d.ts', default: './dist/constructs/index.js' });
  expect(pkg.main).toBe('dist/constructs/index.js');
  expect(pkg.types).toBe('dist/constructs/index.d.ts');
});
