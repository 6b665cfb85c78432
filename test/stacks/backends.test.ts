/**
 * Every backend type the README offers must initialize: exactly one backend block per stack (Terraform refuses
 * "Duplicate backend configuration"), and no path of the machine that synthesized it (an absolute path breaks
 * on the next machine, and leaks the home folder).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_TYPES, type Environment } from '../../environments/schema';
import { addEnvironmentStacks } from '../../stacks/environment-stacks';
import { App } from '../../lib/cdktf';
import { tempDir } from '../support/env';
import { missingTool } from '../support/tools';
import { presetEnv, synthEnvJson, type TfJson } from '../support/synth';
import { resolveEnvironment } from '../../environments/resolve';

const EXAMPLES: Record<(typeof BACKEND_TYPES)[number], Environment['backend']> = {
  local: { type: 'local' },
  s3: { type: 's3', bucket: 'tf-state', key: 'acme', region: 'eu-west-1' },
  gcs: { type: 'gcs', bucket: 'tf-state', prefix: 'acme' },
  azurerm: { type: 'azurerm', resourceGroupName: 'rg', storageAccountName: 'tfstate', containerName: 'state', key: 'acme' },
  kubernetes: { type: 'kubernetes', secretSuffix: 'acme', namespace: 'kube-system' },
};

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => strings(x, out));
  return out;
}

const machinePaths = [process.cwd(), homedir(), join(__dirname, '..', '..')];

/** Synthesizes like `npm run synth` does (a real App, into a folder): stack name -> parsed cdk.tf.json. */
function synthToDisk(env: Environment): Record<string, TfJson> {
  const outdir = tempDir('backend-synth-');
  const app = new App({ outdir, skipValidation: false, stackTraces: false });
  addEnvironmentStacks(app, resolveEnvironment(env));
  app.synth();
  const dir = join(outdir, 'stacks');
  return Object.fromEntries(readdirSync(dir).map((s) => [s, JSON.parse(readFileSync(join(dir, s, 'cdk.tf.json'), 'utf8')) as TfJson]));
}

it('has an example for every backend type the schema offers', () => {
  expect(Object.keys(EXAMPLES).sort()).toEqual([...BACKEND_TYPES].sort());
});

describe.each(BACKEND_TYPES)('%s backend', (type) => {
  const env: Environment = { ...presetEnv('dev'), backend: EXAMPLES[type] };
  const inMemory = synthEnvJson(env);
  const onDisk = synthToDisk(env);

  it('writes exactly one backend block per stack, of its type, with one state per stack', () => {
    expect(Object.keys(onDisk).sort()).toEqual(Object.keys(inMemory).sort());
    const seen = new Set<string>();
    for (const stacks of [inMemory, onDisk]) {
      for (const [name, tf] of Object.entries(stacks)) {
        expect(Object.keys(tf.terraform.backend), name).toEqual([type]);
        const config = JSON.stringify(tf.terraform.backend[type]);
        expect(config, `${name}: the state location names the stack's layer`).toContain(name.slice('dev-'.length));
        if (stacks === onDisk) seen.add(config);
      }
    }
    expect(seen.size, 'one state per stack').toBe(Object.keys(onDisk).length);
  });

  it('holds no path of the machine that synthesized it', () => {
    for (const [name, tf] of Object.entries({ ...inMemory, ...onDisk })) {
      for (const s of strings(tf.terraform)) {
        expect(s.startsWith('/'), `${name}: ${s}`).toBe(false);
      }
      for (const s of strings(tf)) {
        for (const p of machinePaths) expect(s.includes(p), `${name}: ${s}`).toBe(false);
      }
    }
  });

  it.skipIf(missingTool('terraform', 'https://developer.hashicorp.com/terraform/install'))('terraform reads the backend block (init -backend=false parses it; a local backend initializes)', () => {
    // Offline: the stack's terraform block without providers (init would download them); Terraform still loads
    // the whole backend configuration, which is where "Duplicate backend configuration" is reported.
    const tf = onDisk['dev-models']!;
    const dir = tempDir('backend-init-');
    const stackDir = join(dir, 'cdktf.out', 'stacks', 'dev-models'); // as synthesized: local state lands in `dir`
    mkdirSync(stackDir, { recursive: true });
    writeFileSync(join(stackDir, 'main.tf.json'), JSON.stringify({ terraform: { backend: tf.terraform.backend } }));
    const run = (...args: string[]) =>
      execFileSync('terraform', args, { cwd: stackDir, encoding: 'utf8', env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run('init', '-input=false', '-backend=false')).toMatch(/initialized/i);
    if (type === 'local') {
      expect(run('init', '-input=false')).toMatch(/Successfully configured the backend "local"/);
    }
  }, 60_000);
});
