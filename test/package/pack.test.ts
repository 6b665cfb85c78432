/**
 * The package as a team installs it (issue 16, "Done when", the package half): `npm pack` (its `prepare` builds
 * dist/), the tarball unpacked into a fresh "team repo" outside the repository, and there `npx inference-stack synth`
 * and a TypeScript app importing VllmServer and GpuNodePool from `inference-stack` both work.
 *
 * No network: the tarball is unpacked where npm would put it (node_modules/inference-stack, its bin linked in
 * node_modules/.bin), and only its runtime dependencies (package.json dependencies and optionalDependencies) are
 * linked from this repository's node_modules, never tsx or esbuild: what runs is the compiled dist/.
 * Slow (a tsc build and a pack: ~20-40 s).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/env';
import { REPO } from '../support/paths';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
let packed: PackResult;
let team: string;

function link(name: string) {
  const to = join(team, 'node_modules', name);
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(join(REPO, 'node_modules', name), to, 'dir');
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: team, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', npm_config_yes: 'false' } });

describe('the packed package in a team repo', { timeout: 180_000 }, () => {
  beforeAll(() => {
    const dest = tempDir('inference-stack-pack-');
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    packed = (JSON.parse(out.slice(out.indexOf('[\n'))) as PackResult[])[0]!;
    team = join(tempDir('inference-stack-team-'), 'team');
    mkdirSync(join(team, 'node_modules', 'inference-stack'), { recursive: true });
    writeFileSync(join(team, 'package.json'), `${JSON.stringify({ name: 'team-platform', private: true, dependencies: { 'inference-stack': `file:${join(dest, packed.filename)}` } }, null, 2)}\n`);
    execFileSync('tar', ['xzf', join(dest, packed.filename), '-C', join(team, 'node_modules', 'inference-stack'), '--strip-components=1']);
    for (const dep of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]) link(dep);
    // the team's own dev tools, to compile its app
    for (const dep of ['typescript', '@types/node']) link(dep);
    mkdirSync(join(team, 'node_modules', '.bin'));
    symlinkSync('../inference-stack/bin/inference-stack.cjs', join(team, 'node_modules', '.bin', 'inference-stack'));
  }, 180_000);

  it('holds the compiled library and CLI, the presets, the schema and the assets; no sources, no dev bundles', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'bin/inference-stack.cjs', 'bin/run.cjs', 'dist/constructs/index.js', 'dist/constructs/index.d.ts', 'dist/bin/synth.js', 'dist/bin/console.js', 'dist/catalog/server-flags.json', 'environments/dev.yaml', 'environments/prod.yaml', 'environments/schema.json', 'constructs/assets/litellm-bootstrap.py']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts')), 'TypeScript sources').toEqual([]);
    expect(files.filter((f) => /^(test|bench|scripts|examples)\//.test(f) || f.endsWith('.cjs') && !f.startsWith('bin/')), 'tests, dev bundles').toEqual([]);
    expect(packed.size).toBeLessThan(1_000_000);
  });

  it('`npx inference-stack synth` writes cdk.tf.json for a team environment that extends a preset, without tsx or esbuild', () => {
    writeFileSync(join(team, 'team-dev.yaml'), 'name: team-dev\nextends: dev\n');
    for (const tool of ['tsx', 'esbuild']) expect(existsSync(join(team, 'node_modules', tool)), tool).toBe(false);
    const r = run('npx', ['--no', 'inference-stack', 'synth', '--env', 'team-dev.yaml', '--out', 'out']);
    expect(r.stderr).not.toMatch(/error|cannot find/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^team-dev: .*team-dev-gateway/m);
    const gateway = JSON.parse(readFileSync(join(team, 'out', 'stacks', 'team-dev-gateway', 'cdk.tf.json'), 'utf8')) as { resource: Record<string, object> };
    expect(Object.keys(gateway.resource)).toContain('helm_release');
    // the assets read by path at load time came from the installed package
    expect(JSON.stringify(gateway)).toContain('litellm');
  });

  it('the console runs from dist/ too', () => {
    const r = run('npx', ['--no', 'inference-stack', 'capacity', '--env', 'dev', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toBeTypeOf('object');
  });

  it('a TypeScript app importing VllmServer and GpuNodePool from `inference-stack` compiles against the declarations and synthesizes', () => {
    writeFileSync(join(team, 'main.ts'), readFileSync(join(REPO, 'examples', 'own-app', 'main.ts'), 'utf8'));
    writeFileSync(join(team, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, skipLibCheck: false, types: ['node'], outDir: 'build' }, files: ['main.ts'] }));
    const tsc = run('node', [join(team, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    const app = run('node', ['build/main.js', 'app.out']);
    expect(app.status, app.stderr).toBe(0);
    const tf = JSON.parse(readFileSync(join(team, 'app.out', 'stacks', 'own-app', 'cdk.tf.json'), 'utf8')) as { resource: Record<string, object> };
    expect(Object.keys(tf.resource)).toEqual(expect.arrayContaining(['kubernetes_labels', 'kubernetes_stateful_set_v1', 'helm_release']));
  });
});
