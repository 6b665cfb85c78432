import { readFileSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { environmentFiles, resolveEnvironmentArg, synthEnvironments } from '../../bin/lib/synth-environments';
import { ENVIRONMENTS_DIR } from '../../environments/load';
import { MINIMAL, tempDir, writeEnvs } from '../support/env';
import { REPO } from '../support/paths';

/** Every file under a folder, relative path -> bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const presets = environmentFiles().filter((f) => /\/(dev|staging|prod)\.yaml$/.test(f));

describe('synthEnvironments', () => {
  it('writes one cdk.tf.json per environment and layer, and a manifest cdktf can deploy in order', () => {
    const out = tempDir();
    const { written, problems } = synthEnvironments(presets, out);
    expect(problems).toEqual([]);
    expect(written.map((w) => w.name)).toEqual(['dev', 'prod', 'staging']);
    const files = Object.keys(tree(out));
    for (const env of ['dev', 'staging', 'prod']) {
      for (const layer of ['namespaces', 'platform', 'gpu-pools', 'models', 'rag', 'gateway', 'edge', 'observability']) expect(files).toContain(`stacks/${env}-${layer}/cdk.tf.json`);
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies: string[] }> };
    expect(manifest.stacks['prod-gpu-pools']!.dependencies).toEqual(['prod-platform', 'prod-namespaces']);
    expect(manifest.stacks['prod-platform']!.dependencies).toEqual(['prod-namespaces']);
    expect(manifest.stacks['prod-namespaces']!.dependencies).toEqual([]);
    expect(manifest.stacks['prod-models']!.dependencies).toEqual(['prod-gpu-pools', 'prod-namespaces']);
    expect(manifest.stacks['prod-gateway']!.dependencies).toEqual(['prod-models', 'prod-namespaces']);
    expect(manifest.stacks['prod-edge']!.dependencies).toEqual(['prod-gateway', 'prod-namespaces']);
    // stacks hand nothing to each other through Terraform state: no cross-stack references
    for (const file of files.filter((f) => f.endsWith('cdk.tf.json'))) expect(readFileSync(join(out, file), 'utf8')).not.toContain('terraform_remote_state');
  });

  it('is deterministic: the same input gives byte-identical output, free of absolute paths', () => {
    const a = tempDir();
    const b = tempDir();
    synthEnvironments(presets, a);
    synthEnvironments(presets, b);
    const ta = tree(a);
    expect(ta).toEqual(tree(b));
    for (const [file, text] of Object.entries(ta)) {
      expect(text.includes(REPO), `${file} names the repository path`).toBe(false);
      expect(text.includes(a), `${file} names the output path`).toBe(false);
      for (const local of [homedir(), realpathSync(tmpdir())]) expect(text.includes(`"${local}/`), `${file} names ${local}`).toBe(false);
    }
  });

  it('writes nothing for an invalid environment and keeps its previous output whole', () => {
    // GIVEN a good environment synthesized once
    const out = tempDir();
    const { env } = writeEnvs({ env: MINIMAL });
    expect(synthEnvironments([env!], out).problems).toEqual([]);
    const before = tree(out);
    // WHEN the file turns invalid and is synthesized again
    writeFileSync(env!, JSON.stringify({ ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], gpu: 'nope' }] }));
    const { written, problems } = synthEnvironments([env!], out);
    // THEN the problem is reported and the output is as it was
    expect(written).toEqual([]);
    expect(problems.map((p) => p.path)).toEqual(['gpuPools[0].gpu']);
    expect(tree(out)).toEqual(before);
  });

  it('writes the valid environments and reports the invalid ones of one run', () => {
    const out = tempDir();
    const files = writeEnvs({ good: { ...MINIMAL, name: 'good' }, bad: { ...MINIMAL, name: 'bad', stage: 'prod' } });
    const { written, problems } = synthEnvironments([files.good!, files.bad!], out);
    expect(written.map((w) => w.name)).toEqual(['good']);
    expect(problems.map((p) => p.path)).toEqual(['backend.type']);
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual(['good-gateway', 'good-gpu-pools', 'good-models', 'good-namespaces', 'good-observability', 'good-platform']);
  });

  it('rejects two files with the same environment name', () => {
    const dir = tempDir();
    const files = writeEnvs({ a: { ...MINIMAL, name: 'same' }, b: { ...MINIMAL, name: 'same' } }, dir);
    const { problems } = synthEnvironments([files.a!, files.b!], tempDir());
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/"same" is also the name of .*a\.yaml; give each environment its own name/);
  });

  it('resolves --env as a name in environments/ or as a path', () => {
    expect(resolveEnvironmentArg('prod')).toBe(join(ENVIRONMENTS_DIR, 'prod.yaml'));
    expect(resolveEnvironmentArg('./x/prod.yaml')).toBe(join(process.cwd(), 'x/prod.yaml'));
  });
});

describe('npm run synth (the CLI)', () => {
  const cli = (args: string[], cwd = REPO) =>
    execa(join(REPO, 'node_modules/.bin/tsx'), [join(REPO, 'bin/synth.ts'), ...args], { cwd, reject: false, env: { CDKTF_OUTDIR: '' } });

  it('synthesizes one environment from a path anywhere, exit 0', async () => {
    const dir = tempDir();
    const { fork } = writeEnvs({ fork: { extends: 'dev', kubernetes: { context: 'laptop' } } }, dir);
    const out = join(dir, 'out');
    const r = await cli(['--env', fork!, '--out', out], dir);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('fork: fork-namespaces, fork-platform, fork-gpu-pools, fork-models, fork-rag, fork-gateway, fork-edge, fork-observability');
    expect(readFileSync(join(out, 'stacks/fork-platform/cdk.tf.json'), 'utf8')).toContain('"config_context": "laptop"');
  });

  it('exits non-zero and lists every problem as <file>:<line>: <field path>: <message>', async () => {
    const dir = tempDir();
    writeEnvs({ bad: 'name: bad\nstage: prod\nkubernetes: { context: x }\nbackend: { type: local }\ngpuPools:\n  - { name: p, gpu: h100, gpusPerNode: 8, nodes: [n1] }\n' }, dir);
    const r = await cli(['--env', 'bad.yaml', '--out', join(dir, 'out')], dir);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      'bad.yaml:6: gpuPools[0].gpu: unknown GPU "h100"; use one of: h100-80gb, h200-141gb, a100-80gb, a100-40gb, l40s-48gb, l4-24gb, a10-24gb, t4-16gb, rtx-4090-24gb, rtx-5090-32gb, rtx-pro-6000-96gb',
      '1 problem; nothing was written for the environments above',
    ]);
    expect(() => readdirSync(join(dir, 'out', 'stacks'))).toThrow();
  });

  it('rejects an unknown option with the usage', async () => {
    const r = await cli(['--nope']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/usage: inference-stack synth/);
  });
});

describe('synth needs no other program', () => {
  it('synthesizes every preset with only node on the PATH (no terraform: a CI job that only snapshots has none)', async () => {
    // cdktf's DataResource ran `terraform version` at every synth, once per instance; a synth must start no process.
    const onlyNode = tempDir();
    const { symlinkSync } = await import('node:fs');
    symlinkSync(process.execPath, join(onlyNode, 'node'));
    const out = tempDir();
    const r = await execa(process.execPath, [join(REPO, 'bin', 'run.cjs'), 'synth', '--out', out], { cwd: REPO, env: { PATH: onlyNode }, extendEnv: false, reject: false });
    expect(r.stderr).not.toMatch(/terraform/i);
    expect(r.exitCode).toBe(0);
    expect(readdirSync(join(out, 'stacks')).filter((s) => s.endsWith('-models')).sort()).toEqual(['dev-models', 'prod-models', 'staging-models']);
  });
});
