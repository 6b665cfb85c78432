/**
 * Tests mirror the sources: each public construct (a constructs/*.ts exporting a class) has its own
 * test/constructs/<file>.test.ts that creates it alone with Testing.synthScope. The model servers have theirs
 * under the model-server tests (listed here until they mirror too).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from './support/paths';

/** Constructs whose tests are not mirrored yet (the model servers: tested through test/constructs/model-servers.test.ts and friends). */
const NOT_MIRRORED_YET = new Set(['vllm-server', 'multi-node-vllm-server', 'tgi-server', 'ollama-server', 'tei-embedding-server', 'model-autoscaler']);

it('every public construct has a test file of its name that synthesizes it alone', () => {
  const constructs = readdirSync(join(REPO, 'constructs'))
    .filter((f) => f.endsWith('.ts') && /^export class /m.test(readFileSync(join(REPO, 'constructs', f), 'utf8')))
    .map((f) => f.replace(/\.ts$/, ''));
  expect(constructs.length).toBeGreaterThan(10);
  const missing = constructs
    .filter((c) => !NOT_MIRRORED_YET.has(c))
    .filter((c) => {
      const test = join(REPO, 'test', 'constructs', `${c}.test.ts`);
      return !existsSync(test) || !/synthScope\(/.test(readFileSync(test, 'utf8'));
    });
  expect(missing, 'add test/constructs/<name>.test.ts creating the construct with Testing.synthScope').toEqual([]);
});
