import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentFiles, synthEnvironments } from '../../bin/lib/synth-environments';
import { SECRET_PATTERNS } from '../../policy';
import { tempDir, writeEnvs } from '../support/env';
import { FIXTURES } from '../support/synth';

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? allFiles(join(dir, f)) : [join(dir, f)]));
}

describe('the policy gate in npm run synth', () => {
  it('blocks a prod environment that breaks the policy, writing nothing, with rule, resource and fix', () => {
    // GIVEN a fork of prod that turns mTLS off (valid input, but prod must verify clients: POLICY 20)
    const { fork } = writeEnvs({ fork: { extends: 'prod', edge: { mtls: { enabled: false } } } });
    const out = tempDir();
    const { written, problems, reports } = synthEnvironments([fork!], out);
    expect(written).toEqual([]);
    expect(problems).toEqual([
      // located at the field of the environment that made the resource: the fork's `edge:` (line 2)
      { file: expect.stringMatching(/fork\.yaml$/), line: 2, path: 'edge', message: expect.stringMatching(/^policy P20: fork-edge kubernetes_config_map_v1\.caddy_config_[0-9A-F]+: prod edge admits clients without certificates; fix: turn mTLS on \(edge\.mtls\)$/) },
    ]);
    expect(reports[0]).toMatch(/^fork: policy: 1 violation of 22 rules/);
    expect(() => readdirSync(join(out, 'stacks'))).toThrow();
  });

  it('points a violation at the file of the chain that wrote the field, not at the leaf', () => {
    // GIVEN a chain leaf -> middle -> prod, where the middle file turns mTLS off
    const dir = tempDir();
    writeEnvs({ middle: 'extends: prod\nkubernetes: { context: acme }\nedge:\n  mtls: { enabled: false }\n' }, dir);
    const { leaf } = writeEnvs({ leaf: 'extends: ./middle.yaml\nname: leaf\n' }, dir);
    const { problems } = synthEnvironments([leaf!], tempDir());
    expect(problems.map((p) => [p.file.replace(/^.*\//, ''), p.line, p.path, p.message.slice(0, 10)])).toEqual([['middle.yaml', 3, 'edge', 'policy P20']]);
  });
});

describe('no secret in any synthesized file', () => {
  it('scans every output of the presets and the fixtures for tokens, keys, passwords and PEM private keys', () => {
    const out = tempDir();
    const files = [...environmentFiles(), ...readdirSync(FIXTURES).map((f) => join(FIXTURES, f))];
    const { problems } = synthEnvironments(files, out);
    expect(problems).toEqual([]);
    const outputs = allFiles(out);
    expect(outputs.length).toBeGreaterThan(20);
    for (const file of outputs) {
      const text = readFileSync(file, 'utf8');
      for (const p of SECRET_PATTERNS) expect(p.pattern.test(text), `${file}: ${p.name}`).toBe(false);
      // Helm values and manifests name Secrets; they never carry a password value
      expect(text, file).not.toMatch(/"(password|postgres-password|apiKey|token)"\s*:\s*"[^"$]/i);
      expect(text, file).not.toMatch(/\n\s*(password|postgres-password|token):\s+[^\s{]/i);
    }
  });

  it('the scan itself finds a planted token', () => {
    expect(SECRET_PATTERNS.some((p) => p.pattern.test('"args": ["--hf-token", "hf_abcdefghijklmnopqrstuvwxyz"]'))).toBe(true);
    expect(SECRET_PATTERNS.some((p) => p.pattern.test('-----BEGIN EC PRIVATE KEY-----'))).toBe(true);
  });
});
