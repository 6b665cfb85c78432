/**
 * execa, loaded on demand: it is ESM-only, and the CLI runs as CommonJS on Node 20 (which cannot require an ES
 * module), so it comes through a dynamic import.
 */
import type { Options, Result } from 'execa';

export async function exec(cmd: string, args: readonly string[], options: Options = {}): Promise<Result> {
  const { execa } = await import('execa');
  return execa(cmd, args, options) as unknown as Promise<Result>;
}
