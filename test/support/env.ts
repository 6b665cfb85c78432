import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { EnvironmentError, loadEnvironment, type Problem } from '../../environments/load';

/** A fresh temporary folder. */
export function tempDir(prefix = 'inference-stack-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes environment files (name -> content object or YAML text) into a temp folder; returns their paths. */
export function writeEnvs(files: Record<string, object | string>, dir = tempDir()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, typeof content === 'string' ? content : stringify(content));
    out[name] = file;
  }
  return out;
}

/** The problems of loading a file that must fail. */
export function problemsOf(file: string): readonly Problem[] {
  try {
    loadEnvironment(file);
  } catch (err) {
    if (err instanceof EnvironmentError) return err.problems;
    throw err;
  }
  throw new Error(`expected ${file} to be rejected, but it loaded`);
}

/** A minimal valid dev environment, for tests to vary. */
export const MINIMAL = {
  name: 'mini',
  stage: 'dev',
  kubernetes: { context: 'kind-mini' },
  backend: { type: 'local' },
  gpuPools: [{ name: 'gpu', gpu: 'l4-24gb', gpusPerNode: 1, nodes: ['node-1'] }],
};
