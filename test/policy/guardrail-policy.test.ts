/**
 * P22 on the synthesized output: in prod every LiteLLM route that reaches a hosted API (a hosted model, or a model
 * whose fallbacks reach one) has a PII guardrail before the call; an environment's stated exceptions show in the
 * report with their reason; a violation is located at the route's field.
 */
import { describe, expect, it } from 'vitest';
import { policyExceptions, synthEnvironments, violationField } from '../../bin/lib/synth-environments';
import { checkPolicy, formatReport } from '../../policy';
import type { StackDoc } from '../../lib/tf-json';
import { tempDir, writeEnvs } from '../support/env';
import { presetEnv, synthEnv } from '../support/synth';

const docs = (texts: Record<string, string>): StackDoc[] => Object.entries(texts).map(([name, text]) => ({ name, json: JSON.parse(text) }));

describe('P22: PII guardrail before hosted APIs in prod', () => {
  it('passes the prod preset, whose guardrail covers every route that reaches gpt-4o', () => {
    const result = checkPolicy(docs(synthEnv(presetEnv('prod'))), 'prod');
    expect(result.violations.filter((v) => v.rule === 'P22')).toEqual([]);
  });

  it("flags each route that reaches a hosted API when the output has no guardrail (the schema's check bypassed)", () => {
    const env = presetEnv('prod');
    env.gateway.guardrails = [];
    const stacks = docs(synthEnv(env));
    const found = checkPolicy(stacks, 'prod').violations.filter((v) => v.rule === 'P22');
    expect(found.map((v) => v.message).sort()).toEqual([
      'route "gpt-4o" calls a hosted API (openai/gpt-4o) without a PII guardrail before the call',
      'route "gpt-oss-120b" falls back to a hosted API (llama-70b) without a PII guardrail before the call',
      'route "llama-70b" falls back to a hosted API (gpt-oss-120b, gpt-4o) without a PII guardrail before the call',
    ]);
    for (const v of found) expect(v.stack).toBe('prod-gateway');
    // located at the route's field: the hosted model, or the fallback that reaches it
    const at = Object.fromEntries(found.map((v) => [v.message.split('"')[1], violationField(env, v).join('.')]));
    expect(at).toEqual({ 'gpt-4o': 'gateway.hostedModels.0.name', 'llama-70b': 'models.0.fallbacks.1', 'gpt-oss-120b': 'models.1.fallbacks.0' });
    // staging is not held to it
    expect(checkPolicy(stacks, 'staging').violations.filter((v) => v.rule === 'P22')).toEqual([]);
  });

  it('lists the routes an environment excepts, with its reason, in the report of npm run synth', () => {
    const reason = 'the provider is under our DPA and its EU region keeps the data';
    const { fork } = writeEnvs({
      fork: { extends: 'prod', gateway: { guardrails: [], guardrailExceptions: ['gpt-4o', 'llama-70b', 'gpt-oss-120b'].map((name) => ({ name, reason })) } },
    });
    const { written, problems } = synthEnvironments([fork!], tempDir());
    expect(problems).toEqual([]);
    const excepted = written[0]!.policy.excepted.filter((e) => e.rule === 'P22');
    expect(excepted.map((e) => e.message.split('"')[1]).sort()).toEqual(['gpt-4o', 'gpt-oss-120b', 'llama-70b']);
    for (const e of excepted) expect(e.reason).toBe(`stated by the environment: ${reason}`);
    expect(formatReport('fork', written[0]!.policy)).toContain(`exception P22 fork-gateway ${excepted[0]!.address}: ${excepted[0]!.message} (stated by the environment: ${reason})`);
  });

  it('excepts only the route named: another route without a guardrail is still a violation', () => {
    const env = presetEnv('prod');
    env.gateway.guardrails = [];
    env.gateway.guardrailExceptions = [{ name: 'gpt-4o', reason: 'reviewed by the data protection officer' }];
    const result = checkPolicy(docs(synthEnv(env)), 'prod', policyExceptions(env));
    expect(result.excepted.filter((e) => e.rule === 'P22').map((e) => e.message.split('"')[1])).toEqual(['gpt-4o']);
    expect(result.violations.filter((v) => v.rule === 'P22').map((v) => v.message.split('"')[1]).sort()).toEqual(['gpt-oss-120b', 'llama-70b']);
  });
});
