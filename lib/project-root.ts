import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/**
 * The project's root folder, found from this module's own folder whether it runs from source (via tsx or vitest)
 * or from the bundle in dist/: the nearest folder whose package.json is this project's.
 */
export function projectRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'inference-stack') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the inference-stack project above ${__dirname}`);
    dir = up;
  }
}

/** A path inside the project. */
export function projectPath(...parts: string[]): string {
  return join(projectRoot(), ...parts);
}
