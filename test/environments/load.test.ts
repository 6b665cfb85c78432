import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, firstInvalidUtf8, readFileCapped } from '../../environments/read-yaml';
import { ENVIRONMENTS_DIR, displayPath, formatProblem, loadEnvironment } from '../../environments/load';
import { environmentSchemaJsonText } from '../../environments/schema';
import { MINIMAL, problemsOf, tempDir, writeEnvs } from '../support/env';

const preset = (name: string) => join(ENVIRONMENTS_DIR, `${name}.yaml`);

describe('presets', () => {
  it.each(['dev', 'staging', 'prod'])('accepts the %s preset', (name) => {
    const { env } = loadEnvironment(preset(name));
    expect(env.name).toBe(name);
    expect(env.stage).toBe(name);
  });

  it('dev is one server with one 24-32 GB GPU and local state', () => {
    const { env } = loadEnvironment(preset('dev'));
    expect(env.backend.type).toBe('local');
    expect(env.gpuPools).toHaveLength(1);
    expect(env.gpuPools[0]!.nodes).toHaveLength(1);
    expect(env.gpuPools[0]!.gpusPerNode).toBe(1);
    expect(['rtx-4090-24gb', 'rtx-5090-32gb', 'l4-24gb', 'a10-24gb']).toContain(env.gpuPools[0]!.gpu);
  });

  it('staging runs on L40S nodes with a locking remote backend', () => {
    const { env } = loadEnvironment(preset('staging'));
    expect(env.gpuPools.map((p) => p.gpu)).toContain('l40s-48gb');
    expect(env.backend.type).not.toBe('local');
  });

  it('prod has at least two 8x H100 nodes and an S3 backend with S3 native locking (no deprecated DynamoDB table)', () => {
    const { env, warnings } = loadEnvironment(preset('prod'));
    const h100 = env.gpuPools.find((p) => p.gpu === 'h100-80gb');
    expect(h100?.gpusPerNode).toBe(8);
    expect(h100?.nodes.length).toBeGreaterThanOrEqual(2);
    expect(env.backend).toMatchObject({ type: 's3' });
    expect(env.backend).not.toHaveProperty('dynamodbTable');
    expect(warnings).toEqual([]);
  });
});

describe('environments/schema.json', () => {
  it('is in sync with the zod schema (run `npm run schema` after changing it)', () => {
    expect(readFileSync(join(ENVIRONMENTS_DIR, 'schema.json'), 'utf8')).toBe(environmentSchemaJsonText());
  });
});

describe('extends', () => {
  it('lays a fork over a preset: pools merge by name, the name comes from the file', () => {
    // GIVEN a fork of prod that moves the h100 pool to other nodes and adds a pool
    const { fork } = writeEnvs({
      fork: {
        extends: preset('prod'),
        kubernetes: { context: 'acme-prod' },
        gpuPools: [
          { name: 'h100', nodes: ['acme-01', 'acme-02'] },
          { name: 'l4', gpu: 'l4-24gb', gpusPerNode: 4, nodes: ['acme-l4-01'] },
        ],
      },
    });
    // WHEN loaded
    const { env, chain } = loadEnvironment(fork!);
    // THEN
    expect(chain).toEqual([fork, preset('prod')]);
    expect(env.name).toBe('fork');
    expect(env.stage).toBe('prod');
    expect(env.kubernetes).toEqual({ context: 'acme-prod', configPath: '~/.kube/config' });
    expect(env.gpuPools.map((p) => p.name)).toEqual(['h100', 'a100-mig', 'l4']);
    expect(env.gpuPools[0]).toMatchObject({ gpu: 'h100-80gb', gpusPerNode: 8, nodes: ['acme-01', 'acme-02'] });
  });

  it('resolves a preset by name and a path relative to the extending file, in a chain', () => {
    const dir = tempDir();
    writeEnvs({ base: { extends: 'staging', kubernetes: { context: 'team' } } }, dir);
    const { leaf } = writeEnvs({ leaf: { extends: './base.yaml', name: 'team-staging' } }, dir);
    const { env, chain } = loadEnvironment(leaf!);
    expect(chain.map((f) => f.split('/').pop())).toEqual(['leaf.yaml', 'base.yaml', 'staging.yaml']);
    expect(env.name).toBe('team-staging');
    expect(env.kubernetes.context).toBe('team');
    expect(env.gpuPools.map((p) => p.gpu)).toContain('l40s-48gb');
  });

  it('fails when extends names no file, saying where it looked', () => {
    const { f } = writeEnvs({ f: { extends: 'nope' } });
    const [p] = problemsOf(f!);
    expect(formatProblem(p!)).toMatch(/f\.yaml:1: extends: "nope" names no file \(looked for .*nope\.yaml\); use a preset name/);
  });

  it('fails on an extends loop', () => {
    const dir = tempDir();
    const { a } = writeEnvs({ a: { extends: './b.yaml' }, b: { extends: './a.yaml' } }, dir);
    expect(problemsOf(a!)[0]!.message).toMatch(/an extends loop/);
  });

  it('blames the file that set the bad value: a fork inherits a preset pool and breaks its sharing', () => {
    // GIVEN a fork of staging that turns on MIG on the inherited L40S pool (L40S has no MIG)
    const { fork } = writeEnvs({
      fork: `extends: staging\nkubernetes:\n  context: x\ngpuPools:\n  - name: l40s\n    sharing: { mode: mig, profile: 1g.10gb }\n`,
    });
    const problems = problemsOf(fork!);
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/fork\.yaml:6: gpuPools\[0\]\.sharing\.mode: l40s-48gb has no MIG; use mode "time-slicing" or "none", or a MIG-capable GPU \(h100-80gb, /),
    ]);
  });
});

describe('rejects bad input with file, line, field path, value and fix', () => {
  const cases: Array<[string, object | string, RegExp]> = [
    ['an unknown GPU, listing the known ones', { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], gpu: 'h100' }] },
      /:\d+: gpuPools\[0\]\.gpu: unknown GPU "h100"; use one of: h100-80gb, h200-141gb, a100-80gb, a100-40gb, l40s-48gb, l4-24gb, a10-24gb, t4-16gb, rtx-4090-24gb, rtx-5090-32gb, rtx-pro-6000-96gb$/],
    ['an unknown stage', { ...MINIMAL, stage: 'production' }, /: stage: unknown stage "production"; use one of: dev, staging, prod$/],
    ['a local backend outside dev', { ...MINIMAL, stage: 'prod' }, /: backend\.type: "local" keeps state on one machine without locking; prod needs a remote backend/],
    ['an unknown backend', { ...MINIMAL, backend: { type: 'consul' } }, /: backend\.type: unknown backend type "consul"; use one of: local, s3, gcs, azurerm, kubernetes$/],
    ['a misspelt field', { ...MINIMAL, gpuPool: [] }, /: \(file\): unknown field "gpuPool"; remove it or fix its spelling/],
    ['a missing required field', { ...MINIMAL, kubernetes: {} }, /: kubernetes\.context: is required; add it/],
    ['zero GPUs per node', { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], gpusPerNode: 0 }] }, /: gpuPools\[0\]\.gpusPerNode: 0 is below the minimum 1; use 1 or more$/],
    ['a pool without nodes', { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], nodes: [] }] }, /: gpuPools\[0\]\.nodes: a pool needs at least one node/],
    ['a bad node name', { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], nodes: ['Node_1'] }] }, /: gpuPools\[0\]\.nodes\[0\]: "Node_1" is not a Kubernetes node name/],
    ['a pool name that is not a DNS label', { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], name: 'GPU Pool' }] }, /: gpuPools\[0\]\.name: "GPU Pool" is not a DNS label; use lowercase letters/],
    ['an environment name too long', { ...MINIMAL, name: 'a'.repeat(31) }, /: name: "a{31}" is longer than 30 characters; use a shorter name$/],
    ['duplicate pool names', { ...MINIMAL, gpuPools: [MINIMAL.gpuPools[0], { ...MINIMAL.gpuPools[0], nodes: ['node-2'] }] }, /: gpuPools\[1\]\.name: duplicate pool name "gpu" \(also gpuPools\[0\], line 8\); give each pool of a file its own name$/],
    ['a node in two pools', { ...MINIMAL, gpuPools: [MINIMAL.gpuPools[0], { ...MINIMAL.gpuPools[0], name: 'other' }] }, /: gpuPools\[1\]\.nodes\[0\]: node "node-1" is already in pool "gpu"; a node belongs to one pool$/],
    ['MIG on a GPU without MIG', { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], sharing: { mode: 'mig', profile: '1g.10gb' } }] }, /: gpuPools\[0\]\.sharing\.mode: l4-24gb has no MIG/],
    ['a MIG profile the GPU does not have', { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], gpu: 'a100-40gb', sharing: { mode: 'mig', profile: '1g.10gb.x' } }] }, /: gpuPools\[0\]\.sharing\.profile: "1g\.10gb\.x" is not a MIG profile of a100-40gb; use one of: 1g\.5gb, 1g\.10gb, 2g\.10gb, 3g\.20gb, 4g\.20gb, 7g\.40gb, balanced$/],
    ['time-slicing with one replica', { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], sharing: { mode: 'time-slicing', replicas: 1 } }] }, /: gpuPools\[0\]\.sharing\.replicas: time-slicing needs at least 2 replicas per GPU; use mode "none" for 1$/],
    ['an unknown sharing mode', { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], sharing: { mode: 'mps' } }] }, /: gpuPools\[0\]\.sharing\.mode: unknown sharing mode "mps"; use one of: none, time-slicing, mig$/],
    ['a "latest" driver', { ...MINIMAL, gpuOperator: { versions: { driver: 'latest' } } }, /: gpuOperator\.versions\.driver: "latest" is not a pin; use an explicit version/],
    ['a pool driver with operator drivers off', { ...MINIMAL, gpuOperator: { driverEnabled: false }, gpuPools: [{ ...MINIMAL.gpuPools[0], driver: { version: '580.95.05' } }] }, /: gpuPools\[0\]\.driver: a pool driver needs the operator to install drivers/],
    ['a model server without a model', { ...MINIMAL, models: [{ name: 'x', pool: 'gpu' }] }, /: models\[0\]\.model: is required; add it/],
    ['YAML that does not parse', 'name: [unclosed\n', /:\d+: \(file\): YAML syntax: /],
    ['a YAML document that is not a mapping', '- a\n- b\n', /: \(file\): an environment file is a YAML mapping/],
  ];

  it.each(cases)('fails on %s', (_what, content, expected) => {
    const { bad } = writeEnvs({ bad: content });
    const lines = problemsOf(bad!).map(formatProblem);
    expect(lines).toContainEqual(expect.stringMatching(expected));
    for (const l of lines) expect(l).toMatch(/bad\.yaml(:\d+)?: /);
  });

  it('reports every shape problem of a file at once', () => {
    const { bad } = writeEnvs({ bad: { ...MINIMAL, stage: 'qa', gpuPools: [{ ...MINIMAL.gpuPools[0], gpu: 'x', gpusPerNode: 99 }] } });
    expect(problemsOf(bad!).map((p) => p.path)).toEqual(['stage', 'gpuPools[0].gpu', 'gpuPools[0].gpusPerNode']);
  });
});

describe('reading files defensively', () => {
  const fork = (ref: string) => `# a fork\nextends: ${JSON.stringify(ref)}\nkubernetes: { context: x }\n`;

  it('extends only regular files: a FIFO, a directory and a device are refused at the extends line', () => {
    const dir = tempDir();
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    for (const [ref, kind] of [[fifo, 'a FIFO (named pipe)'], [dir, 'a directory'], ['/dev/zero', 'a character device']] as const) {
      const { f } = writeEnvs({ f: fork(ref) }, dir);
      const started = Date.now();
      expect(problemsOf(f!).map(formatProblem)).toEqual([`${displayPath(f!)}:2: extends: ${JSON.stringify(ref)} is ${kind}, not an environment file; name a regular .yaml file`]);
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it('refuses a file above the size cap without reading it all, at the extends line of the file that named it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'huge.yaml'), `# ${'x'.repeat(MAX_FILE_BYTES)}\n`);
    const { f } = writeEnvs({ f: fork('./huge.yaml') }, dir);
    expect(problemsOf(f!)[0]).toMatchObject({ line: 2, path: 'extends', message: `"./huge.yaml" is ${MAX_FILE_BYTES + 3} bytes; environment files are at most ${MAX_FILE_BYTES} bytes` });
    // the leaf itself: the file, no line
    expect(problemsOf(join(dir, 'huge.yaml'))[0]).toMatchObject({ path: '', message: expect.stringMatching(/^is \d+ bytes; environment files are at most/) });
  });

  it('reads at most the cap from a file that reports no size (/proc)', () => {
    const read = readFileCapped('/proc/self/status', 64);
    expect(read).toEqual({ problem: 'is more than 64 bytes; environment files are at most 64 bytes' });
  });

  it('reports a problem inside an extended file at its own line', () => {
    const dir = tempDir();
    writeEnvs({ tagged: 'stage: !!python/name:os.system dev\n' }, dir);
    const { f } = writeEnvs({ f: fork('./tagged.yaml') }, dir);
    expect(problemsOf(f!).map(formatProblem)).toEqual([expect.stringMatching(/tagged\.yaml:1: stage: tag "!!python\/name:os\.system" is not allowed/)]);
  });

  it('finds the first byte that is not UTF-8: overlongs, surrogates, truncated sequences', () => {
    const at = (...bytes: number[]) => firstInvalidUtf8(Uint8Array.from(bytes));
    expect(at(0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80)).toBeUndefined(); // a é € 😀
    expect(at(0x61, 0xc0, 0xaf)).toBe(1); // overlong "/"
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // a UTF-16 surrogate
    expect(at(0x61, 0x62, 0xe2, 0x82)).toBe(2); // cut short
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // past U+10FFFF
    expect(at(0xff)).toBe(0);
  });
});

describe('values the loader accepts', () => {
  it('accepts IPv6 and IPv4 source ranges', () => {
    const { f } = writeEnvs({ f: { ...MINIMAL, edge: { tls: { mode: 'none' }, service: { loadBalancerSourceRanges: ['2001:db8::/32', '::/0', '203.0.113.0/24', '0.0.0.0/0'] } } } });
    expect(loadEnvironment(f!).env.edge?.service.loadBalancerSourceRanges).toEqual(['2001:db8::/32', '::/0', '203.0.113.0/24', '0.0.0.0/0']);
  });

  it('accepts Secret names up to 253 characters with dots, and keys with dots, dashes and underscores', () => {
    const name = `${'a'.repeat(120)}.${'b'.repeat(132)}`;
    const { f } = writeEnvs({ f: { ...MINIMAL, gateway: { masterKeySecret: { name, key: 'master_key-1.txt' } } } });
    expect(loadEnvironment(f!).env.gateway.masterKeySecret).toEqual({ name, key: 'master_key-1.txt' });
  });

  it('accepts a hundred aliases of one anchor, and up to 64 levels of nesting', () => {
    const nodes = Array.from({ length: 120 }, () => '*n').join(', ');
    const { f } = writeEnvs({ f: `name: mini\nstage: dev\nkubernetes: { context: &n x }\nbackend: { type: local }\ngateway:\n  teams:\n    - name: t\n      models: [${nodes}]\n` });
    expect(problemsOf(f!).map((p) => p.message)).toEqual(Array.from({ length: 120 }, () => 'unknown model "x"; use one of: (none)'));
    const { g } = writeEnvs({ g: `${stringify(MINIMAL)}x: ${'['.repeat(64)}${']'.repeat(64)}\n` });
    expect(problemsOf(g!).map((p) => p.message)).toEqual([expect.stringMatching(/^unknown field "x"/)]);
  });

  it('names the file name as the source of a name that is too long', () => {
    const dir = tempDir();
    const { 'a-fork-of-staging-with-a-long-file-name': f } = writeEnvs({ 'a-fork-of-staging-with-a-long-file-name': { extends: 'staging' } }, dir);
    expect(problemsOf(f!).map(formatProblem)).toEqual([
      expect.stringMatching(/a-fork-of-staging-with-a-long-file-name\.yaml: name: "a-fork-of-staging-with-a-long-file-name" is longer than 30 characters; use a shorter name; the name comes from the file name: add a name: line, or rename the file$/),
    ]);
  });
});
