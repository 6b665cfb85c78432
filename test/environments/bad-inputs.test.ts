/**
 * The corpus of bad environment files (test/fixtures/bad/): each ends with `# expect: <line>: <field path>:
 * <message>`, the exact problem it must be rejected with; and none of them writes any output.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthEnvironments } from '../../bin/lib/synth-environments';
import { formatProblem } from '../../environments/load';
import { problemsOf, tempDir } from '../support/env';

const DIR = join(__dirname, '..', 'fixtures', 'bad');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(DIR, f));

describe('bad input corpus', () => {
  it('has at least 40 files', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files.map((f) => [basename(f), f]))('%s is rejected with its expected message', (_name, file) => {
    const expected = /^# expect: (.*)$/m.exec(readFileSync(file, 'utf8'))![1]!;
    const lines = problemsOf(file).map(formatProblem).map((l) => l.replace(/^.*?\.yaml:/, ''));
    expect(lines).toContain(expected);
  });

  it('writes nothing for any of them, and exits with every problem listed', () => {
    const out = tempDir();
    const { written, problems } = synthEnvironments(files, out);
    expect(written).toEqual([]);
    expect(new Set(problems.map((p) => p.file.replace(/^.*\//, ''))).size).toBe(files.length);
    expect(() => readdirSync(join(out, 'stacks'))).toThrow();
  });
});
