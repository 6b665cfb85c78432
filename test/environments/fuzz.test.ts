/**
 * Property-based tests (fast-check): any environment either synthesizes and passes the policy, or fails with
 * located messages and writes nothing; no input, however malformed, crashes the tool.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { synthEnvironments } from '../../bin/lib/synth-environments';
import { EnvironmentError, loadEnvironment } from '../../environments/load';
import { GPU_KEYS } from '../../catalog/gpus';
import { EMBEDDING_MODEL_IDS, MODEL_IDS } from '../../catalog/models';
import { MINIMAL, tempDir, writeEnvs } from '../support/env';

const SHA = 'f'.repeat(40);

/** Either it loads, or it throws an EnvironmentError whose every problem names a file and says something. */
function loadsOrLocates(file: string): 'valid' | 'invalid' {
  try {
    loadEnvironment(file);
    return 'valid';
  } catch (err) {
    expect(err).toBeInstanceOf(EnvironmentError);
    for (const p of (err as EnvironmentError).problems) {
      expect(p.file).toMatch(/\.yaml$/);
      expect(p.message.length).toBeGreaterThan(3);
      expect(typeof p.path).toBe('string');
    }
    return 'invalid';
  }
}

const setAt = (obj: any, path: (string | number)[], value: unknown) => {
  let cur = obj;
  for (const k of path.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k];
  }
  cur[path.at(-1)!] = value;
  return obj;
};

const FIELDS: (string | number)[][] = [
  ['name'], ['stage'], ['backend'], ['backend', 'type'], ['kubernetes'], ['kubernetes', 'context'], ['gpuPools'], ['gpuPools', 0],
  ['gpuPools', 0, 'gpu'], ['gpuPools', 0, 'gpusPerNode'], ['gpuPools', 0, 'nodes'], ['gpuPools', 0, 'sharing'], ['models'], ['models', 0],
  ['models', 0, 'tensorParallel'], ['models', 0, 'maxModelLen'], ['gateway'], ['gateway', 'teams'], ['edge'], ['vectorStore'], ['extends'], ['observability', 'slo'],
];

describe('fuzzing the environment loader', () => {
  it('never crashes on arbitrary values at any field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), fc.anything({ maxDepth: 2, withNullPrototype: false }), (path, value) => {
        const env = setAt(structuredClone({ ...MINIMAL, models: [{ name: 'm', model: MODEL_IDS[0], pool: 'gpu', maxModelLen: 4096 }] }), path, value);
        let text: string;
        try {
          text = stringify(env);
        } catch {
          return; // not representable as YAML: nothing a user could write
        }
        const { f } = writeEnvs({ f: text });
        loadsOrLocates(f!);
      }),
      { numRuns: 150, seed: 20261125 },
    );
  });

  it('never crashes on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const { f } = writeEnvs({ f: text });
        loadsOrLocates(f!);
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});

/** Plausible environments: real GPUs, catalogue models, random sizes; many do not fit, which is the point. */
const environment = fc
  .record({
    stage: fc.constantFrom('dev', 'staging', 'prod'),
    gpu: fc.constantFrom(...GPU_KEYS),
    gpusPerNode: fc.constantFrom(1, 2, 4, 8),
    nodes: fc.integer({ min: 1, max: 3 }),
    model: fc.constantFrom(...MODEL_IDS),
    tensorParallel: fc.constantFrom(1, 2, 4, 8),
    maxModelLen: fc.constantFrom(4096, 8192, 32768),
    replicas: fc.integer({ min: 0, max: 3 }),
    embedding: fc.constantFrom(...EMBEDDING_MODEL_IDS),
    store: fc.constantFrom('qdrant', 'pgvector', undefined),
    mtls: fc.boolean(),
  })
  .map((r) => ({
    name: 'fuzz',
    stage: r.stage,
    kubernetes: { context: 'fuzz' },
    backend: r.stage === 'dev' ? { type: 'local' } : { type: 'gcs', bucket: 'state', prefix: 'fuzz' },
    gpuPools: [{ name: 'pool', gpu: r.gpu, gpusPerNode: r.gpusPerNode, nodes: Array.from({ length: r.nodes }, (_, i) => `node-${i}`) }],
    models: [{ name: 'model', model: r.model, revision: SHA, pool: 'pool', tensorParallel: r.tensorParallel, maxModelLen: r.maxModelLen, replicas: r.replicas }],
    embeddings: [{ name: 'embed', model: r.embedding, revision: SHA, pool: 'cpu', replicas: 2 }],
    gateway: { replicas: 2 },
    edge: {
      replicas: 2,
      tls: { mode: 'secret', secretName: 'edge-tls' },
      mtls: r.mtls ? { enabled: true, clientCaSecret: { name: 'ca' } } : { enabled: false },
    },
    ...(r.store
      ? { vectorStore: { type: r.store, collections: [{ name: 'docs', embedding: 'embed' }], backup: r.store === 'pgvector' ? { objectStore: { destinationPath: 's3://b/p', secretName: 's3' } } : {} } }
      : {}),
  }));

describe('fuzzing synthesis', () => {
  it('valid environments synthesize and pass the policy; invalid ones write nothing', () => {
    const seen = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(environment, (env) => {
        const { f } = writeEnvs({ f: env });
        const out = tempDir('fuzz-out-');
        const { written, problems } = synthEnvironments([f!], out);
        if (written.length === 1) {
          seen.valid++;
          expect(problems).toEqual([]);
          expect(written[0]!.policy.violations).toEqual([]);
          expect(existsSync(join(out, 'stacks', 'fuzz-models', 'cdk.tf.json'))).toBe(true);
        } else {
          seen.invalid++;
          expect(problems.length).toBeGreaterThan(0);
          for (const p of problems) expect(p.path.length + (p.line ?? 0)).toBeGreaterThan(0);
          expect(existsSync(join(out, 'stacks'))).toBe(false);
        }
      }),
      { numRuns: 40, seed: 42 },
    );
    // the generator reaches both sides
    expect(seen.valid).toBeGreaterThan(3);
    expect(seen.invalid).toBeGreaterThan(3);
  });
});

/**
 * Hostile YAML: every case is generated (aliases, tags, nesting, encodings, prototype keys, huge scalars, several
 * documents), spliced into a valid environment. Each must end in a valid environment or located problems, never
 * a crash, each within a time bound and without growing the heap much.
 */
const VALID = `name: mini\nstage: dev\nkubernetes: { context: kind-mini }\nbackend: { type: local }\ngpuPools:\n  - name: gpu\n    gpu: l4-24gb\n    gpusPerNode: 1\n    nodes: [node-1]\n`;

const hostile = fc.oneof(
  // alias bombs: k levels of n aliases each
  fc.record({ levels: fc.integer({ min: 1, max: 9 }), fanout: fc.integer({ min: 2, max: 12 }) }).map(({ levels, fanout }) => {
    const lines = ['bomb:', '  l0: &l0 [x, x, x]'];
    for (let i = 1; i <= levels; i++) lines.push(`  l${i}: &l${i} [${Array.from({ length: fanout }, () => `*l${i - 1}`).join(', ')}]`);
    return Buffer.from(`${VALID}${lines.join('\n')}\n`);
  }),
  // many aliases in one field
  fc.integer({ min: 1, max: 1500 }).map((n) => Buffer.from(VALID.replace('context: kind-mini', 'context: &c kind-mini') + `extra: [${Array.from({ length: n }, () => '*c').join(', ')}]\n`)),
  // tags, core and not
  fc.constantFrom('!!python/object:os.system', '!!python/object/apply:subprocess.call', '!foo', '!<tag:example.com,2000:x>', '!!binary', '!!set', '!!omap', '!!timestamp', '!!str', '!!int', '!!js/function').chain((tag) =>
    fc.constantFrom('stage', 'kubernetes', 'gpuPools', 'name').map((field) => Buffer.from(VALID.replace(new RegExp(`^${field}:`, 'm'), `${field}: ${tag}`))),
  ),
  // deep nesting, flow or block
  fc.record({ depth: fc.integer({ min: 1, max: 20000 }), open: fc.constantFrom('[', '{a: ', '- ', '\n  k:') }).map(({ depth, open }) =>
    Buffer.from(`${VALID}x: ${open === '\n  k:' ? Array.from({ length: Math.min(depth, 400) }, (_, i) => `\n${'  '.repeat(i + 1)}k:`).join('') : open.repeat(depth)}\n`),
  ),
  // encodings: random bytes spliced in, UTF-16, a BOM, latin-1
  fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }).map(({ at, bytes }) => {
    const b = Buffer.from(VALID);
    const i = at % b.length;
    return Buffer.concat([b.subarray(0, i), bytes, b.subarray(i)]);
  }),
  fc.constantFrom(Buffer.from(`\ufeff${VALID}`, 'utf8'), Buffer.from(VALID, 'utf16le'), Buffer.from(`\ufeff${VALID}`, 'utf16le'), Buffer.from(VALID.replace('kind-mini', 'kínd-mini'), 'latin1')),
  // prototype keys, anywhere
  fc.record({ key: fc.constantFrom('__proto__', 'constructor', 'prototype', '"__proto__"', "'constructor'"), where: fc.constantFrom('', '  ', '    ') }).map(({ key, where }) =>
    Buffer.from(where === '' ? `${VALID}${key}: { stage: prod }\n` : VALID.replace('    gpusPerNode: 1\n', `    gpusPerNode: 1\n    ${key}: { taint: false }\n`)),
  ),
  // huge scalars and numbers
  fc.record({ size: fc.integer({ min: 1000, max: 300_000 }), value: fc.constantFrom('.inf', '-.Inf', '.nan', '1e309', '-1e999', '0x7fffffffffffffffff') }).map(({ size, value }) =>
    Buffer.from(`${VALID}models:\n  - { name: m, model: Qwen/Qwen2.5-7B-Instruct, pool: gpu, maxModelLen: ${value}, extraArgs: ["${'a'.repeat(size)}"] }\n`),
  ),
  // several documents
  fc.constantFrom(`${VALID}---\n`, `${VALID}---\n${VALID}`, `---\n${VALID}...\n---\nname: x\n`, `%YAML 1.2\n---\n${VALID}`).map((t) => Buffer.from(t)),
);

describe('fuzzing the loader with hostile YAML', () => {
  it('gives a valid environment or located problems, never a crash, in bounded time and memory', () => {
    const dir = tempDir('hostile-');
    const seen = { valid: 0, invalid: 0 };
    let n = 0;
    const started = Date.now();
    fc.assert(
      fc.property(hostile, (bytes) => {
        const file = join(dir, `h${n++}.yaml`);
        writeFileSync(file, bytes);
        const heap = process.memoryUsage().heapUsed;
        const t = Date.now();
        const outcome = loadsOrLocates(file);
        seen[outcome]++;
        if (outcome === 'invalid') {
          // located: a line, or a field path, for every problem that comes from the file's content
          try {
            loadEnvironment(file);
          } catch (err) {
            // (a file too big to read is a problem of the whole file: no line)
            for (const p of (err as EnvironmentError).problems) expect(p.line !== undefined || p.path !== '' || /^is \d+ bytes/.test(p.message), JSON.stringify(p)).toBe(true);
          }
        }
        expect(Date.now() - t, `case ${n}`).toBeLessThan(1500);
        expect(process.memoryUsage().heapUsed - heap, `case ${n}`).toBeLessThan(200 * 1024 * 1024);
      }),
      { numRuns: 120, seed: 14 },
    );
    expect(seen.valid).toBeGreaterThan(3);
    expect(seen.invalid).toBeGreaterThan(50);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
