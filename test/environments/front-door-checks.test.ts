import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../environments/load';
import { problemsOf, writeEnvs } from '../support/env';

const SHA = 'b'.repeat(40);
const BASE = {
  name: 'door',
  stage: 'staging',
  kubernetes: { context: 'x' },
  backend: { type: 'kubernetes', secretSuffix: 'door' },
  gpuPools: [{ name: 'l40s', gpu: 'l40s-48gb', gpusPerNode: 4, nodes: ['n1'] }],
  models: [{ name: 'llama-8b', model: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA, pool: 'l40s', maxModelLen: 8192 }],
  edge: { tls: { mode: 'secret', secretName: 'edge-tls' } },
};
const team = (t: object) => ({ gateway: { teams: [{ name: 'search', ...t }] } });

const cases: Array<[string, object, RegExp]> = [
  ['a fallback to an unknown model', { models: [{ ...BASE.models[0], fallbacks: ['gpt-5'] }] }, /models\[0\]\.fallbacks\[0\]: unknown model "gpt-5"; use one of: llama-8b$/],
  ['a fallback to the model itself', { models: [{ ...BASE.models[0], fallbacks: ['llama-8b'] }] }, /models\[0\]\.fallbacks\[0\]: "llama-8b" is the model itself/],
  ['a negative budget', team({ maxBudget: -5, budgetDuration: '30d' }), /gateway\.teams\[0\]\.maxBudget: -5 is not a budget; use an amount in USD above 0$/],
  ['a zero budget', team({ maxBudget: 0, budgetDuration: '30d' }), /gateway\.teams\[0\]\.maxBudget: 0 is not a budget/],
  ['a malformed duration', team({ maxBudget: 5, budgetDuration: '30 days' }), /gateway\.teams\[0\]\.budgetDuration: "30 days" is not a duration; use a number and a unit: 30s, 30m, 24h, 30d or 1mo$/],
  ['a budget without a duration', team({ maxBudget: 5 }), /gateway\.teams\[0\]\.budgetDuration: maxBudget and budgetDuration go together/],
  ['a zero rate limit', team({ rpmLimit: 0 }), /gateway\.teams\[0\]\.rpmLimit: 0 is not a rate limit; use a whole number above 0/],
  ['a fractional rate limit', team({ tpmLimit: 10.5 }), /gateway\.teams\[0\]\.tpmLimit: .*(not a rate limit|expected int)/],
  ['a team model that does not exist', team({ models: ['nope'] }), /gateway\.teams\[0\]\.models\[0\]: unknown model "nope"; use one of: llama-8b$/],
  ['a key budget above its team', team({ maxBudget: 10, budgetDuration: '30d', keys: [{ name: 'k', secret: { name: 's' }, maxBudget: 20, budgetDuration: '30d' }] }), /gateway\.teams\[0\]\.keys\[0\]\.maxBudget: 20 exceeds the team's budget of 10; use 10 or less$/],
  ['a key given as a literal instead of a Secret', team({ keys: [{ name: 'k', secret: 'sk-abcdefghijklmnopqrstu' }] }), /gateway\.teams\[0\]\.keys\[0\]\.secret: expected object, got "sk-abcdefghijklmnopqrstu"/],
  ['duplicate key aliases', { gateway: { teams: [{ name: 'a', keys: [{ name: 'k', secret: { name: 's' } }] }, { name: 'b', keys: [{ name: 'k', secret: { name: 't' } }] }] } }, /gateway\.teams\[1\]\.keys\[0\]\.name: duplicate key "k" \(also in team "a"\)/],
  ['a hosted model named like a server', { gateway: { hostedModels: [{ name: 'llama-8b', provider: 'openai', model: 'gpt-4o', apiKeySecret: { name: 'o' } }] } }, /gateway\.hostedModels\[0\]\.name: "llama-8b" is also a model or embedding server/],
  ['an openai-compatible hosted model without apiBase', { gateway: { hostedModels: [{ name: 'x', provider: 'openai-compatible', model: 'm', apiKeySecret: { name: 'o' } }] } }, /gateway\.hostedModels\[0\]\.apiBase: openai-compatible needs apiBase/],
  ['mTLS without a client CA', { edge: { ...BASE.edge, mtls: { enabled: true } } }, /edge\.mtls\.clientCaSecret: mTLS is enabled without a client CA: name the Secret/],
  ['no TLS outside dev', { edge: { tls: { mode: 'none' } } }, /edge\.tls\.mode: "none" sends prompts and keys in clear text; staging needs "secret"/],
  ['cert-manager without host names', { edge: { tls: { mode: 'cert-manager', issuer: { name: 'le' } } } }, /edge\.hostnames: cert-manager issues a certificate for the edge host names: list at least one$/],
  ['a nodePort on a LoadBalancer', { edge: { ...BASE.edge, service: { type: 'LoadBalancer', nodePort: 30443 } } }, /edge\.service\.nodePort: 30443 applies to a NodePort Service, and the type is LoadBalancer/],
  ['one edge replica in prod', { stage: 'prod', edge: { ...BASE.edge, replicas: 1 } }, /edge\.replicas: 1 in prod: the edge is the single way in; use 2 or more$/],
  ['one gateway replica in prod', { stage: 'prod', gateway: { replicas: 1 } }, /gateway\.replicas: 1 in prod: a restart takes every client down; use 2 or more$/],
];

describe('front door checks', () => {
  it('accept the base environment', () => {
    const { env } = writeEnvs({ env: BASE });
    expect(() => problemsOf(env!)).toThrow(/expected .* to be rejected/);
  });

  it.each(cases)('fail on %s', (_what, change, expected) => {
    const { env } = writeEnvs({ env: { ...BASE, ...change } });
    expect(problemsOf(env!).map(formatProblem)).toContainEqual(expect.stringMatching(expected));
  });
});

describe('hosted model API key env vars', () => {
  it('refuses two hosted models whose generated env var names collide, naming both', async () => {
    // The schema's DNS-label names cannot collide; the check guards the rule itself, as any name could reach it.
    const { checkFrontDoor } = await import('../../environments/front-door-checks');
    const { hostedKeyEnvName } = await import('../../charts/litellm');
    expect(hostedKeyEnvName('a-b')).toBe('HOSTED_A_B_API_KEY');
    const issues: Array<[unknown[], string]> = [];
    const hosted = (name: string) => ({ name, provider: 'openai' as const, model: 'm', apiKeySecret: { name: 's', key: 'k' } });
    const gateway = { masterKeySecret: { name: 'm', key: 'k' }, hostedModels: [hosted('a-b'), hosted('a_b')], teams: [], guardrails: [], guardrailExceptions: [], database: { storageGiB: 1 }, numRetries: 0, timeoutSeconds: 1 };
    checkFrontDoor({ stage: 'dev', models: [], embeddings: [], edge: undefined, gateway }, (path, message) => issues.push([path, message]));
    expect(issues).toEqual([[['gateway', 'hostedModels', 1, 'name'], '"a_b" and "a-b" (gateway.hostedModels[0]) both give the env var HOSTED_A_B_API_KEY for their API key; rename one']]);
  });
});
