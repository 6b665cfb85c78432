import { execFileSync } from 'node:child_process';

/**
 * External tools some tests run for real (Debian's `caddy`, `promtool` from `prometheus`). Where one is missing,
 * those tests are skipped with the reason printed; with INFERENCE_STACK_REQUIRE_TOOLS=1 (set by .ci/run) a
 * missing tool fails the run instead.
 */
export const REQUIRE_TOOLS = process.env.INFERENCE_STACK_REQUIRE_TOOLS === '1';

/** The tool's version line, or undefined when it is not installed. */
export function toolVersion(tool: string, args: string[] = ['--version']): string | undefined {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0];
  } catch {
    return undefined;
  }
}

/** Why tests of `tool` cannot run here (undefined when they can). Throws when tools are required. */
export function missingTool(tool: string, install: string, args?: string[]): string | undefined {
  if (toolVersion(tool, args) !== undefined) return undefined;
  const reason = `${tool} is not installed (${install}); skipping the tests that run it`;
  if (REQUIRE_TOOLS) throw new Error(`${reason}, but INFERENCE_STACK_REQUIRE_TOOLS=1 requires it`);
  process.stderr.write(`SKIP: ${reason}\n`);
  return reason;
}
