/**
 * gateway.guardrails and gateway.guardrailExceptions: entities checked against what the pinned Presidio analyzer
 * detects, forks merging guardrails by name, and prod refusing a route to a hosted API without a PII guardrail,
 * each problem at its file and line.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESIDIO_DEFAULT_EN_ENTITIES, nearestPresidioEntity } from '../../catalog/presidio';
import { displayPath, formatProblem, loadEnvironment } from '../../environments/load';
import { problemsOf, writeEnvs } from '../support/env';
import { REPO } from '../support/paths';
import { readFacts } from '../support/upstream';

const PROD = join(REPO, 'environments', 'prod.yaml');
const fork = (body: string) => writeEnvs({ fork: `extends: ${PROD}\nname: fork\n${body}` }).fork!;
const lines = (file: string) => problemsOf(file).map(formatProblem);

describe('PII entities', () => {
  const facts = readFacts<{ entities: { default_en: string[]; all_predefined_entity_names: string[] } }>('flags/presidio-2.2.363.json');

  it('are the ones the pinned analyzer detects for English (facts/upstream presidio-2.2.363.json)', () => {
    expect([...PRESIDIO_DEFAULT_EN_ENTITIES]).toEqual(facts.entities.default_en);
  });

  it('name the nearest detectable entity for a misspelt one', () => {
    expect(nearestPresidioEntity('EMAIL')).toBe('EMAIL_ADDRESS');
    expect(nearestPresidioEntity('PHONE')).toBe('PHONE_NUMBER');
    expect(nearestPresidioEntity('PERSN')).toBe('PERSON');
    expect(nearestPresidioEntity('CREDITCARD')).toBe('CREDIT_CARD');
  });

  it('refuse an unknown entity at its line, naming the nearest valid one', () => {
    const file = fork('gateway:\n  guardrails:\n    - name: pii\n      entities:\n        - PERSON\n        - EMAIL\n');
    expect(lines(file)).toContainEqual(
      `${displayPath(file)}:8: gateway.guardrails[0].entities[1]: unknown PII entity "EMAIL"; did you mean "EMAIL_ADDRESS"? Presidio detects: ${PRESIDIO_DEFAULT_EN_ENTITIES.join(', ')}`,
    );
  });

  it('refuse a Presidio entity the pinned analyzer does not detect for English, saying why', () => {
    expect(facts.entities.all_predefined_entity_names).toContain('UK_NINO');
    const file = fork('gateway:\n  guardrails:\n    - name: pii\n      entities: [UK_NINO]\n');
    expect(lines(file)).toContainEqual(expect.stringMatching(new RegExp(`^${displayPath(file).replace(/[.]/g, '\\.')}:6: gateway\\.guardrails\\[0\\]\\.entities\\[0\\]: "UK_NINO" is a Presidio entity the pinned analyzer does not detect for English`)));
  });

  it('refuse during_call, which lets the prompt leave before the check', () => {
    const file = fork('gateway:\n  guardrails:\n    - name: pii\n      mode: during_call\n');
    expect(lines(file)).toContainEqual(expect.stringMatching(/:6: gateway\.guardrails\[0\]\.mode: "during_call" is not a mode for a PII guardrail; use pre_call/));
  });
});

describe('forks', () => {
  it('merge guardrails by name: a fork changes the action and keeps the inherited entities', () => {
    const { env } = loadEnvironment(fork('gateway:\n  guardrails:\n    - name: pii\n      action: block\n'));
    expect(env.gateway.guardrails).toHaveLength(1);
    expect(env.gateway.guardrails[0]).toMatchObject({ name: 'pii', type: 'pii', action: 'block', appliesTo: 'hosted' });
    expect(env.gateway.guardrails[0]!.entities).toContain('EMAIL_ADDRESS');
  });
});

describe('prod: routes to hosted APIs need a PII guardrail', () => {
  it('refuses a fork that empties the guardrails, at its line, naming every route that reaches the hosted API', () => {
    const file = fork('gateway:\n  guardrails: []\n');
    const problems = lines(file).filter((l) => l.includes('no PII guardrail'));
    const at = `${displayPath(file)}:4: gateway.guardrails: this breaks `;
    for (const p of problems) expect(p.startsWith(at), p).toBe(true);
    expect(problems.map((p) => p.slice(at.length))).toEqual([
      expect.stringMatching(/^gateway\.hostedModels\[0\]\.name \("gpt-4o"\), inherited from environments\/prod\.yaml:\d+: "gpt-4o" is a hosted API, and no PII guardrail runs before its calls; prod sends no prompt out of the cluster unguarded: add gateway\.guardrails: .* or state why not in gateway\.guardrailExceptions: \[\{ name: gpt-4o, reason: \.\.\. \}\]$/),
      expect.stringMatching(/^models\[0\]\.fallbacks\[1\] \("llama-70b"\), inherited from environments\/prod\.yaml:\d+: "llama-70b" falls back to a hosted API through "gpt-4o", and no PII guardrail/),
      expect.stringMatching(/^models\[1\]\.fallbacks\[0\] \("gpt-oss-120b"\), inherited from environments\/prod\.yaml:\d+: "gpt-oss-120b" falls back to a hosted API through "llama-70b", and no PII guardrail/),
    ]);
  });

  it('accepts the routes an environment states exceptions for, with a reason', () => {
    const reason = 'contractual DPA with the provider covers these prompts';
    const file = fork(`gateway:\n  guardrails: []\n  guardrailExceptions:\n${['gpt-4o', 'llama-70b', 'gpt-oss-120b'].map((n) => `    - name: ${n}\n      reason: ${reason}\n`).join('')}`);
    const { env } = loadEnvironment(file);
    expect(env.gateway.guardrailExceptions.map((x) => x.name)).toEqual(['gpt-4o', 'llama-70b', 'gpt-oss-120b']);
  });

  it('refuses an exception without a reason, or for a route that reaches no hosted API', () => {
    const file = fork('gateway:\n  guardrailExceptions:\n    - name: qwen-7b\n      reason: short\n');
    expect(lines(file)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/:6: gateway\.guardrailExceptions\[0\]\.reason: give a reason a reviewer can judge/),
        expect.stringMatching(/:5: gateway\.guardrailExceptions\[0\]\.name: "qwen-7b" is no route that reaches a hosted API; use one of: gpt-4o, llama-70b, gpt-oss-120b$/),
      ]),
    );
  });

  it('does not ask staging for one', () => {
    const file = writeEnvs({ s: `extends: ${join(REPO, 'environments', 'staging.yaml')}\nname: s\ngateway:\n  guardrails: []\n` }).s!;
    expect(loadEnvironment(file).env.gateway.guardrails).toEqual([]);
  });
});
