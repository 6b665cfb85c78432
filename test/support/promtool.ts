import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';

/** Runs promtool with a file of the given YAML content; returns exit code and output. */
export async function promtool(dir: string, args: (file: string) => string[], name: string, content: object) {
  const file = join(dir, name);
  writeFileSync(file, stringify(content, { lineWidth: 0 }));
  const r = await execa('promtool', args(file), { reject: false, cwd: dir });
  return { code: r.exitCode, out: `${r.stdout}\n${r.stderr}`, file };
}

/** Metric names a PromQL expression selects (every `name{...}` selector; we always write selectors with braces). */
export function selectedMetrics(expr: string): string[] {
  return [...expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*\{/g)].map((m) => m[1]!).filter((n) => n !== 'by' && n !== 'without');
}
