/**
 * README.md and docs/*.md: every relative link names a file that exists, and every `#anchor` a heading of the file
 * it points to (GitHub's slugs). External links are not fetched.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/paths';

/** GitHub's heading anchors of a Markdown file (fenced code skipped; a repeated heading gets -1, -2, ...). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!.replace(/`/g, '').toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The relative links of a Markdown file outside fenced code: [text](target) and ![alt](target). */
function links(markdown: string): string[] {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t));
}

const FILES = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

describe('README and docs links', () => {
  it('computes anchors as GitHub does', () => {
    expect([...anchors("# A\n## Commands (the operator's console)\n```\n# not a heading\n```\n## A\n### `npm run x`")]).toEqual(['a', 'commands-the-operators-console', 'a-1', 'npm-run-x']);
  });

  it.each(FILES)('%s: every relative link and anchor resolves', (file) => {
    const broken = links(readFileSync(join(REPO, file), 'utf8')).filter((target) => {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const to = path === '' ? join(REPO, file) : join(REPO, dirname(file), path);
      if (!existsSync(to)) return true;
      return anchor !== undefined && to.endsWith('.md') && !anchors(readFileSync(to, 'utf8')).has(anchor);
    });
    expect(broken, `broken links in ${file} (relative to ${relative(REPO, join(REPO, dirname(file))) || '.'})`).toEqual([]);
  });
});
