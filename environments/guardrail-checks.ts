/**
 * Cross-field checks of the gateway's PII guardrails: names, the entities the pinned Presidio analyzer detects,
 * the exceptions, and in prod that every route able to reach a hosted API (a hosted model, or a model whose
 * fallbacks reach one) has a PII guardrail before the call, unless gateway.guardrailExceptions says why not.
 */
import { PRESIDIO_DEFAULT_EN_ENTITIES, PRESIDIO_PREDEFINED_ENTITIES, nearestPresidioEntity } from '../catalog/presidio';
import type { Environment } from './schema';
import { show } from './shapes';

type Add = (path: (string | number)[], message: string) => void;
type Env = Pick<Environment, 'stage' | 'models' | 'gateway'>;

const DETECTED = new Set<string>(PRESIDIO_DEFAULT_EN_ENTITIES);
const PREDEFINED = new Set<string>(PRESIDIO_PREDEFINED_ENTITIES);

/**
 * The routes whose calls can leave the cluster: every hosted model, and every model whose fallbacks reach one,
 * directly or through another model's fallbacks. Each with the path of the field that makes it reach out.
 */
export function routesReachingHosted(env: Pick<Environment, 'models' | 'gateway'>): Map<string, (string | number)[]> {
  const hosted = new Set(env.gateway.hostedModels.map((h) => h.name));
  const fallbacks = new Map(env.models.map((m) => [m.name, m.fallbacks]));
  const reaches = (name: string, seen: Set<string>): boolean => {
    if (hosted.has(name)) return true;
    if (seen.has(name)) return false;
    seen.add(name);
    return (fallbacks.get(name) ?? []).some((f) => reaches(f, seen));
  };
  const out = new Map<string, (string | number)[]>();
  env.gateway.hostedModels.forEach((h, i) => out.set(h.name, ['gateway', 'hostedModels', i, 'name']));
  env.models.forEach((m, i) => {
    const j = m.fallbacks.findIndex((f) => reaches(f, new Set([m.name])));
    if (j >= 0 && !out.has(m.name)) out.set(m.name, ['models', i, 'fallbacks', j]);
  });
  return out;
}

export function checkGuardrails(env: Env, add: Add): void {
  const g = env.gateway;
  const names = new Map<string, number>();
  g.guardrails.forEach((r, i) => {
    const at = (...rest: (string | number)[]) => ['gateway', 'guardrails', i, ...rest];
    const other = names.get(r.name);
    if (other !== undefined) add(at('name'), `duplicate guardrail "${r.name}" (also gateway.guardrails[${other}]); give each guardrail its own name`);
    else names.set(r.name, i);
    const seen = new Set<string>();
    r.entities.forEach((e, j) => {
      if (seen.has(e)) add(at('entities', j), `${show(e)} is listed twice; list each entity once`);
      seen.add(e);
      if (DETECTED.has(e)) return;
      if (PREDEFINED.has(e)) {
        add(at('entities', j), `${show(e)} is a Presidio entity the pinned analyzer does not detect for English (its recognizer is off by default or for another language); use one of: ${PRESIDIO_DEFAULT_EN_ENTITIES.join(', ')}`);
      } else {
        add(at('entities', j), `unknown PII entity ${show(e)}; did you mean "${nearestPresidioEntity(e)}"? Presidio detects: ${PRESIDIO_DEFAULT_EN_ENTITIES.join(', ')}`);
      }
    });
  });

  const reaching = routesReachingHosted(env);
  const exceptions = new Map<string, number>();
  g.guardrailExceptions.forEach((x, i) => {
    const other = exceptions.get(x.name);
    if (other !== undefined) add(['gateway', 'guardrailExceptions', i, 'name'], `duplicate exception for "${x.name}" (also gateway.guardrailExceptions[${other}]); state it once`);
    else exceptions.set(x.name, i);
    if (!reaching.has(x.name)) {
      add(['gateway', 'guardrailExceptions', i, 'name'], `"${x.name}" is no route that reaches a hosted API; use one of: ${[...reaching.keys()].join(', ') || '(none)'}`);
    }
  });

  if (env.stage !== 'prod' || g.guardrails.length > 0) return;
  for (const [name, path] of reaching) {
    if (exceptions.has(name)) continue;
    const what = path[0] === 'gateway' ? `"${name}" is a hosted API` : `"${name}" falls back to a hosted API through ${show(env.models[path[1] as number]!.fallbacks[path[3] as number])}`;
    add(
      path,
      `${what}, and no PII guardrail runs before its calls; prod sends no prompt out of the cluster unguarded: add gateway.guardrails: [{ name: pii, type: pii, entities: [PERSON, EMAIL_ADDRESS, PHONE_NUMBER] }], or state why not in gateway.guardrailExceptions: [{ name: ${name}, reason: ... }]`,
    );
  }
}
