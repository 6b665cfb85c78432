/**
 * Literal secrets (issue 14, class 4), generatively: secrets of known shapes, placed in random string fields (and
 * annotation keys) of an environment that sets every free-text field, are each refused with a message located at
 * the line and field path that holds them, in every stage; the message never repeats the secret.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../environments/load';
import { literalSecretIn } from '../../environments/string-checks';
import { problemsOf, writeEnvs } from '../support/env';
import { FIXTURES } from '../support/synth';

type Seg = string | number;
const RAW = parse(readFileSync(join(FIXTURES, 'every-string.yaml'), 'utf8')) as Record<string, unknown>;

/** String leaves and annotation keys; not the discriminators and enums, where any other value is a type error first. */
function spots(v: unknown, path: Seg[] = [], out: Array<{ path: Seg[]; key: boolean }> = []) {
  if (typeof v === 'string') {
    if (!['stage', 'type', 'mode', 'provider', 'gpu', 'engine', 'name', 'extends'].includes(String(path.at(-1))) || path.length > 1) out.push({ path, key: false });
  } else if (Array.isArray(v)) v.forEach((x, i) => spots(x, [...path, i], out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (path.at(-1) === 'annotations') out.push({ path: [...path, k], key: true });
      spots(x, [...path, k], out);
    }
  }
  return out;
}
const ENUMS = /(^|\.)(stage|type|mode|provider|gpu|engine|distance|kvCacheDtype|quantization|kind)$/;
const SPOTS = spots(RAW).filter((s) => !ENUMS.test(s.path.filter((p) => typeof p === 'string').join('.')) && s.path[0] !== '$schema');

const alnum = (n: number, chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') => fc.string({ unit: fc.constantFrom(...chars), minLength: n, maxLength: n + 12 });
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Secrets of the shapes that leak most, each with the kind the message must name. */
const SECRETS: fc.Arbitrary<{ secret: string; kind: string }> = fc.oneof(
  alnum(34).map((s) => ({ secret: `hf_${s}`, kind: 'a Hugging Face token' })),
  fc.tuple(fc.constantFrom('sk-', 'sk-proj-', 'sk-ant-api03-'), alnum(20, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-')).map(([p, s]) => ({ secret: `${p}${s}`, kind: 'an API key (sk-)' })),
  fc.tuple(fc.constantFrom('AKIA', 'ASIA'), fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), minLength: 16, maxLength: 16 })).map(([p, s]) => ({ secret: `${p}${s}`, kind: 'an AWS access key id' })),
  fc.tuple(fc.constantFrom('ghp_', 'gho_', 'ghs_'), alnum(36)).map(([p, s]) => ({ secret: `${p}${s}`, kind: 'a GitHub token' })),
  fc.tuple(fc.constantFrom('xoxb-', 'xoxp-', 'xoxa-'), alnum(12, '0123456789abcdefghij-')).map(([p, s]) => ({ secret: `${p}1${s}`, kind: 'a Slack token' })),
  fc.constantFrom('RSA ', 'EC ', 'OPENSSH ', '').map((t) => ({ secret: `-----BEGIN ${t}PRIVATE KEY-----\nMIIEvQIBADANBg`, kind: 'a private key' })),
  fc.tuple(fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('a', 'b', '1') }), alnum(8)).map(([sub, sig]) => ({ secret: `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub, iat: 1700000000 })}.${sig}`, kind: 'a JSON Web Token' })),
  fc.tuple(fc.constantFrom('https', 'http', 's3', 'postgres'), alnum(3, 'abc'), alnum(6)).map(([scheme, u, p]) => ({ secret: `${scheme}://${u}:${p}@host.example.com/x`, kind: 'credentials in a URL (user:password@)' })),
  fc.tuple(fc.constantFrom('token', 'api_key', 'apikey', 'X-Amz-Signature', 'access_token', 'password'), alnum(6)).map(([k, v]) => ({ secret: `https://host.example.com/p?a=1&${k}=${v}`, kind: 'a key-like URL query parameter' })),
);

/** Where a value is set: replace a leaf, or rename an annotation key. */
function place(data: Record<string, unknown>, spot: { path: Seg[]; key: boolean }, text: string): Record<string, unknown> {
  const copy = structuredClone(data);
  const parent = spot.path.slice(0, -1).reduce<any>((o, s) => o[s], copy);
  const last = spot.path.at(-1)!;
  if (spot.key) {
    parent[text] = parent[last];
    delete parent[last];
  } else parent[last] = text;
  return copy;
}

describe('literal secrets in any string field', () => {
  it('the scan knows each shape, and not the values the presets use', () => {
    fc.assert(fc.property(SECRETS, ({ secret, kind }) => { expect(literalSecretIn(secret)).toBe(kind); }), { numRuns: 200, seed: 4 });
    for (const ok of ['meta-llama/Llama-3.1-8B-Instruct', 'f'.repeat(40), 'https://llm.example.com/v1', 's3://backups/rag', 'sk-short', 'hf-token', 'fast-ssd']) expect(literalSecretIn(ok), ok).toBeUndefined();
  });

  it('each is refused at its line and field, in every stage, without the secret in the message', () => {
    expect(SPOTS.length).toBeGreaterThan(40);
    fc.assert(
      fc.property(fc.constantFrom(...SPOTS), SECRETS, fc.constantFrom('', ' ', '--x=', 'note: '), fc.constantFrom('dev', 'staging', 'prod'), (spot, { secret, kind }, prefix, stage) => {
        const value = spot.key ? `example.com/${secret.replace(/[^A-Za-z0-9]/g, '')}` : `${prefix}${secret}`;
        // An annotation key holds only some characters: the shapes that survive as a key are checked there.
        if (spot.key && literalSecretIn(value) === undefined) return;
        const data = { ...place(RAW, spot, value), stage };
        const { env } = writeEnvs({ env: data });
        const problems = problemsOf(env!);
        const path = spot.key ? formatPath([...spot.path.slice(0, -1), value]) : formatPath(spot.path);
        const hit = problems.find((p) => p.path === path && p.message.startsWith('holds a literal secret'));
        expect(hit, `${path}: ${JSON.stringify(problems.map((p) => `${p.path}: ${p.message}`))}`).toBeDefined();
        expect(hit!.line).toBeGreaterThan(0);
        if (!spot.key) expect(hit!.message).toContain(kind);
        expect(hit!.message).not.toContain(secret.slice(4, 16));
      }),
      { numRuns: 150, seed: 4 },
    );
  });
});
