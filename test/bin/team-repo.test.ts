/**
 * The CLI a team runs from its own repository: `init` scaffolds it, then `check`, `synth` and `snapshot` run there
 * with paths relative to that folder; `snapshot --check` exits 0 when equal and 1 with a unified diff on drift.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findTerraform } from '../../bin/commands/deploy';
import { main } from '../../bin/inference-stack';
import { unifiedDiff } from '../../bin/lib/snapshot';
import { tempDir } from '../support/env';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

const SCAFFOLD = ['.github/workflows/inference-stack.yml', '.gitignore', 'README.md', 'environments/team-dev.yaml', 'package.json'];

describe('a team repository made by init', () => {
  const here = process.cwd();
  let repo: string;
  beforeEach(() => {
    repo = join(tempDir('team-'), 'team');
    process.chdir(join(repo, '..'));
  });
  afterEach(() => process.chdir(here));

  it('init scaffolds the files, and refuses to overwrite any, naming them', async () => {
    const r = await run('init', 'team');
    expect(r).toMatchObject({ code: 0, err: '' });
    const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
    expect(files(repo).sort()).toEqual(SCAFFOLD);
    expect(readFileSync(join(repo, 'environments/team-dev.yaml'), 'utf8')).toMatch(/^name: team-dev\nextends: dev\n/m);
    expect(readFileSync(join(repo, '.gitignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['cdktf.out/', '*.tfstate', 'node_modules/']));
    const ci = readFileSync(join(repo, '.github/workflows/inference-stack.yml'), 'utf8');
    expect(ci).toContain('npx inference-stack check');
    expect(ci).toContain('npx inference-stack snapshot --check');
    expect(Object.keys(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).dependencies)).toEqual(['inference-stack']);

    writeFileSync(join(repo, 'README.md'), 'ours\n');
    const again = await run('init', 'team', '--preset', 'prod', '--name', 'other-prod');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^init writes nothing: team\/\.gitignore, team\/README\.md, team\/\.github\/workflows\/inference-stack\.yml already exist/);
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('ours\n');
    expect(existsSync(join(repo, 'environments/other-prod.yaml'))).toBe(false);
  });

  it('init in a folder where `npm install inference-stack` already made package.json: adds only the missing scripts, keeps the rest', async () => {
    mkdirSync(repo, { recursive: true });
    const installed = { name: 'ours', private: true, scripts: { check: 'our own check' }, dependencies: { 'inference-stack': 'file:../inference-stack-0.1.0.tgz', other: '1.0.0' } };
    writeFileSync(join(repo, 'package.json'), `${JSON.stringify(installed, null, 2)}\n`);
    const r = await run('init', 'team');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('team/package.json (added scripts: snapshot, synth, capacity)');
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(pkg).toEqual({ ...installed, scripts: { check: 'our own check', snapshot: 'inference-stack snapshot', synth: 'inference-stack synth', capacity: 'inference-stack capacity --env environments/team-dev.yaml' } });
    writeFileSync(join(repo, 'package.json'), '{ not json');
    expect(await run('init', 'other')).toMatchObject({ code: 0 });
    rmSync(join(repo, '.gitignore'));
    rmSync(join(repo, 'README.md'));
    rmSync(join(repo, '.github'), { recursive: true });
    const bad = await run('init', 'team', '--name', 'x-dev');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^init writes nothing: team\/package\.json is not valid JSON \(.+\); fix it or move it away\n$/);
    expect(existsSync(join(repo, '.gitignore'))).toBe(false);
  });

  it('check, synth and snapshot run on the result with paths relative to the repository', async () => {
    expect((await run('init', 'team')).code).toBe(0);
    process.chdir(repo);
    const check = await run('check', '--json');
    expect(check.code).toBe(0);
    expect((JSON.parse(check.out) as Array<{ environment: string }>).map((c) => c.environment)).toEqual(['team-dev']);
    const synth = await run('synth', '--out', 'out');
    expect(synth.code).toBe(0);
    expect(synth.out).toMatch(/^team-dev: team-dev-namespaces, /);
    expect(existsSync(join(repo, 'out/stacks/team-dev-models/cdk.tf.json'))).toBe(true);

    const update = await run('snapshot');
    expect(update).toMatchObject({ code: 0, out: '8 snapshots written, 0 unchanged, in snapshots\n' });
    expect(readdirSync(join(repo, 'snapshots'))).toContain('team-dev-models.tf.yaml');
    expect(await run('snapshot', '--check')).toMatchObject({ code: 0, out: '', err: '' });

    const envFile = join(repo, 'environments/team-dev.yaml');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace('# kubernetes: { context: my-cluster }', 'kubernetes: { context: my-cluster }'));
    const drift = await run('snapshot', '--check');
    expect(drift.code).toBe(1);
    expect(drift.out).toContain('--- snapshots/team-dev-models.tf.yaml (snapshot)\n+++ team-dev-models (synthesized)\n@@ ');
    expect(drift.out).toMatch(/\n-\s+- config_context: dev\n\+\s+- config_context: my-cluster\n/);
    expect(drift.err).toMatch(/^8 snapshots drifted from the synthesized output; review the diff, then run inference-stack snapshot --update/);
    const json = await run('snapshot', '--check', '--json');
    expect((JSON.parse(json.out) as Array<{ status: string }>).map((s) => s.status)).toEqual(Array(8).fill('changed'));
    expect((await run('snapshot', '--update')).out).toBe('8 snapshots written, 0 unchanged, in snapshots\n');
    expect((await run('snapshot', '--check')).code).toBe(0);
  });

  it('snapshot usage: --update with --check, or --out naming a file, is exit 2 with the usage', async () => {
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, 'file'), 'x');
    for (const argv of [['snapshot', '--update', '--check'], ['snapshot', '--out', join(repo, 'file')], ['init', 'a', 'b'], ['init', '--preset', 'nope']]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/\nusage: inference-stack (snapshot|init) /);
    }
  });
});

describe('unifiedDiff', () => {
  it('shows the changed lines with three lines of context and hunk headers; nothing when equal', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const b = a.replace('line 10', 'line ten');
    expect(unifiedDiff(a, a, 'a', 'b')).toBe('');
    expect(unifiedDiff(a, b, 'a', 'b')).toBe(['--- a', '+++ b', '@@ -8,7 +8,7 @@', ' line 7', ' line 8', ' line 9', '-line 10', '+line ten', ' line 11', ' line 12', ' line 13', ''].join('\n'));
  });
});

describe('findTerraform', () => {
  it('takes $INFERENCE_STACK_TERRAFORM, else the first executable terraform on PATH', () => {
    const saved = process.env.INFERENCE_STACK_TERRAFORM;
    delete process.env.INFERENCE_STACK_TERRAFORM;
    try {
      const [a, b] = [tempDir('bin-'), tempDir('bin-')];
      writeFileSync(join(a, 'terraform'), '#!/bin/sh\n');
      writeFileSync(join(b, 'terraform'), '#!/bin/sh\n');
      chmodSync(join(b, 'terraform'), 0o755);
      expect(findTerraform(`${a}:${b}`)).toBe(join(b, 'terraform'));
      expect(findTerraform(a)).toBeUndefined();
      process.env.INFERENCE_STACK_TERRAFORM = '/opt/tf/terraform';
      expect(findTerraform(a)).toBe('/opt/tf/terraform');
    } finally {
      if (saved !== undefined) process.env.INFERENCE_STACK_TERRAFORM = saved;
      else delete process.env.INFERENCE_STACK_TERRAFORM;
    }
  });
});
