/**
 * Cross-field checks of the gateway (fallbacks, teams, keys) and the edge (TLS, mTLS, replicas).
 */
import { hostedKeyEnvName } from '../charts/litellm';
import type { Environment } from './schema';

type Add = (path: (string | number)[], message: string) => void;
type Env = Pick<Environment, 'stage' | 'models' | 'embeddings' | 'gateway' | 'edge'>;

export function checkFrontDoor(env: Env, add: Add): void {
  const g = env.gateway;
  const served = new Set([...env.models.map((m) => m.name), ...env.embeddings.map((e) => e.name)]);
  const known = [...served, ...g.hostedModels.map((h) => h.name)];
  const knownSet = new Set(known);
  const list = known.join(', ') || '(none)';

  const envVars = new Map<string, number>();
  g.hostedModels.forEach((h, i) => {
    // One env var per hosted model: two names that give one var would hand one provider the other's key.
    const envVar = hostedKeyEnvName(h.name);
    const other = envVars.get(envVar);
    if (other !== undefined && g.hostedModels[other]!.name !== h.name) {
      add(['gateway', 'hostedModels', i, 'name'], `"${h.name}" and "${g.hostedModels[other]!.name}" (gateway.hostedModels[${other}]) both give the env var ${envVar} for their API key; rename one`);
    } else if (other === undefined) envVars.set(envVar, i);
    if (served.has(h.name)) add(['gateway', 'hostedModels', i, 'name'], `"${h.name}" is also a model or embedding server; give the hosted model its own name`);
    if ((h.provider === 'azure' || h.provider === 'openai-compatible') && !h.apiBase) {
      add(['gateway', 'hostedModels', i, 'apiBase'], `${h.provider} needs apiBase, the endpoint to call`);
    }
  });

  env.models.forEach((m, i) => {
    m.fallbacks.forEach((f, j) => {
      if (f === m.name) add(['models', i, 'fallbacks', j], `"${f}" is the model itself; name another model or a hosted model`);
      else if (!knownSet.has(f)) add(['models', i, 'fallbacks', j], `unknown model "${f}"; use one of: ${list}`);
    });
  });

  if (env.stage === 'prod' && g.replicas === 1) add(['gateway', 'replicas'], '1 in prod: a restart takes every client down; use 2 or more');

  const teamNames = new Map<string, number>();
  const keyNames = new Map<string, string>();
  g.teams.forEach((t, i) => {
    const at = (...rest: (string | number)[]) => ['gateway', 'teams', i, ...rest];
    if (teamNames.has(t.name)) add(at('name'), `duplicate team "${t.name}" (also gateway.teams[${teamNames.get(t.name)}]); give each team its own name`);
    teamNames.set(t.name, i);
    if ((t.maxBudget === undefined) !== (t.budgetDuration === undefined)) {
      add(at(t.maxBudget === undefined ? 'maxBudget' : 'budgetDuration'), 'maxBudget and budgetDuration go together: set both (e.g. maxBudget: 500, budgetDuration: 30d) or neither');
    }
    t.models.forEach((m, j) => {
      if (!knownSet.has(m)) add(at('models', j), `unknown model "${m}"; use one of: ${list}`);
    });
    t.keys.forEach((k, j) => {
      const kat = (...rest: (string | number)[]) => at('keys', j, ...rest);
      const other = keyNames.get(k.name);
      if (other) add(kat('name'), `duplicate key "${k.name}" (also in team "${other}"); key aliases are global`);
      keyNames.set(k.name, t.name);
      if ((k.maxBudget === undefined) !== (k.budgetDuration === undefined)) {
        add(kat(k.maxBudget === undefined ? 'maxBudget' : 'budgetDuration'), 'maxBudget and budgetDuration go together: set both or neither');
      }
      if (t.maxBudget !== undefined && k.maxBudget !== undefined && k.maxBudget > t.maxBudget) {
        add(kat('maxBudget'), `${k.maxBudget} exceeds the team's budget of ${t.maxBudget}; use ${t.maxBudget} or less`);
      }
      k.models.forEach((m, n) => {
        if (t.models.length > 0 && !t.models.includes(m)) add(kat('models', n), `"${m}" is not among team "${t.name}"'s models (${t.models.join(', ')}); add it to the team or remove it here`);
        else if (!knownSet.has(m)) add(kat('models', n), `unknown model "${m}"; use one of: ${list}`);
      });
    });
  });

  const e = env.edge;
  if (!e) return;
  if (e.tls.mode === 'none' && env.stage !== 'dev') {
    add(['edge', 'tls', 'mode'], `"none" sends prompts and keys in clear text; ${env.stage} needs "secret" (an existing TLS Secret) or "cert-manager"`);
  }
  if (e.tls.mode === 'cert-manager' && e.hostnames.length === 0) {
    add(['edge', 'hostnames'], 'cert-manager issues a certificate for the edge host names: list at least one');
  }
  if (e.mtls.enabled && !e.mtls.clientCaSecret) {
    add(['edge', 'mtls', 'clientCaSecret'], 'mTLS is enabled without a client CA: name the Secret with the PEM bundle of the CA that signs client certificates (key ca.crt)');
  }
  if (e.mtls.enabled && e.tls.mode === 'none') add(['edge', 'mtls', 'enabled'], 'mTLS needs TLS: set tls.mode to "secret" or "cert-manager"');
  if (e.service.nodePort !== undefined && e.service.type !== 'NodePort') {
    add(['edge', 'service', 'nodePort'], `${e.service.nodePort} applies to a NodePort Service, and the type is ${e.service.type}; remove it or set type: NodePort`);
  }
  if (env.stage === 'prod' && e.replicas === 1) add(['edge', 'replicas'], '1 in prod: the edge is the single way in; use 2 or more');
}
