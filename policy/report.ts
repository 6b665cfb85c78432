import type { PolicyResult } from './check';
import { RULES } from './rules';

const title = (id: string) => RULES.find((r) => r.id === id);

/** The report for a person: grouped by stack, then rule, with the scanner ids and the fix. */
export function formatReport(env: string, result: PolicyResult): string {
  const lines: string[] = [];
  if (result.violations.length === 0) {
    lines.push(`${env}: policy: ${result.rules} rules, no violations${result.excepted.length ? `, ${result.excepted.length} declared exceptions` : ''}`);
  } else {
    lines.push(`${env}: policy: ${result.violations.length} violation${result.violations.length > 1 ? 's' : ''} of ${result.rules} rules`);
    const stacks = [...new Set(result.violations.map((v) => v.stack))];
    for (const stack of stacks) {
      lines.push(`  ${stack}`);
      const inStack = result.violations.filter((v) => v.stack === stack);
      for (const rule of [...new Set(inStack.map((v) => v.rule))]) {
        const r = title(rule);
        lines.push(`    ${rule} ${r?.title ?? ''}${r && r.scanners.length ? ` [${r.scanners.join(', ')}]` : ''}`);
        for (const v of inStack.filter((x) => x.rule === rule)) lines.push(`      ${v.address}: ${v.message}; fix: ${v.fix}`);
      }
    }
  }
  for (const e of result.excepted) lines.push(`  exception ${e.rule} ${e.stack} ${e.address}: ${e.message} (${e.reason})`);
  return lines.join('\n');
}

/** The report for CI. */
export function reportJson(env: string, result: PolicyResult): object {
  return {
    environment: env,
    rules: RULES.map((r) => ({ id: r.id, title: r.title, scanners: r.scanners })),
    violations: result.violations,
    exceptions: result.excepted,
  };
}
