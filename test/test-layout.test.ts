/**
 * Tests mirror the sources: each public construct (a constructs/*.ts exporting a class) has its own
 * test/constructs/<file>.test.ts that creates it alone with cdktf's Testing.synthScope (directly, or through
 * test/support/construct.ts's synthScope or test/support/scope.ts's synthConstruct).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from './support/paths';

it('every public construct has a test file of its name that synthesizes it alone', () => {
  const constructs = readdirSync(join(REPO, 'constructs'))
    .filter((f) => f.endsWith('.ts') && /^export class /m.test(readFileSync(join(REPO, 'constructs', f), 'utf8')))
    .map((f) => f.replace(/\.ts$/, ''));
  expect(constructs.length).toBeGreaterThan(15);
  const missing = constructs.filter((c) => {
    const test = join(REPO, 'test', 'constructs', `${c}.test.ts`);
    return !existsSync(test) || !/\b(synthScope|synthConstruct)\(/.test(readFileSync(test, 'utf8'));
  });
  expect(missing, 'add test/constructs/<name>.test.ts creating the construct alone with Testing.synthScope').toEqual([]);
});
