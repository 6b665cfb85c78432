/**
 * The committed upstream facts (facts/upstream/, what the tests read) are current: regenerated from
 * ../shared/upstream when it sits beside the repository, they must be byte-identical. Without ../shared the check is
 * skipped with a note (a fresh clone tests on its own); with INFERENCE_STACK_REQUIRE_TOOLS=1 (CI, which has
 * ../shared) a missing ../shared fails instead.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractFacts, stableJson } from './support/extract-facts';
import { FACTS, HAS_UPSTREAM, UPSTREAM } from './support/paths';
import { REQUIRE_TOOLS } from './support/tools';

const committed = (dir: string = FACTS): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? committed(join(dir, e.name)) : [relative(FACTS, join(dir, e.name)).split(sep).join('/')]));

/** Why the currency check cannot run here (undefined when it can). Throws when CI requires it. */
function missingUpstream(): string | undefined {
  if (HAS_UPSTREAM) return undefined;
  const reason = `${UPSTREAM} is not there; the committed facts/upstream/ are used as they are, not checked against it`;
  if (REQUIRE_TOOLS) throw new Error(`${reason}, but INFERENCE_STACK_REQUIRE_TOOLS=1 requires the check`);
  process.stderr.write(`SKIP: ${reason}\n`);
  return reason;
}
const skip = missingUpstream();

describe('the committed upstream facts', () => {
  const files = committed().sort();

  it('each file names its upstream source', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files.filter((n) => n.endsWith('.json'))) {
      const source = (JSON.parse(readFileSync(join(FACTS, f), 'utf8')) as { _source?: { from?: string } })._source;
      expect(source?.from, f).toMatch(/^shared\/upstream\//);
    }
  });

  it('are written deterministically: keys sorted at every level', () => {
    expect(stableJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{\n "a": {\n  "c": null,\n  "d": [\n   2,\n   1\n  ]\n },\n "b": 1\n}\n');
    for (const f of files.filter((n) => n.endsWith('.json'))) {
      const text = readFileSync(join(FACTS, f), 'utf8');
      expect(stableJson(JSON.parse(text), text.startsWith('{\n') ? 1 : 0), f).toBe(text);
    }
  });

  it.skipIf(skip !== undefined)('are current with ../shared/upstream (else: run npm run facts)', () => {
    const fresh = extractFacts(UPSTREAM);
    const stale = [
      ...[...fresh].filter(([path, text]) => !files.includes(path) || readFileSync(join(FACTS, path), 'utf8') !== text).map(([path]) => `${path}: differs or is missing`),
      ...files.filter((path) => !fresh.has(path)).map((path) => `${path}: no longer extracted`),
    ];
    expect(stale, 'facts/upstream/ is out of date with ../shared/upstream: run npm run facts').toEqual([]);
  });
});
