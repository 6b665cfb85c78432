/**
 * `inference-stack secrets --env X [--json]`: every Secret the environment reads, with the command that makes each
 * user-made one; and the check `deploy` and `doctor` run against the cluster with kubectl (key names only: the
 * values never leave the cluster).
 */
import { App } from '../../lib/cdktf';
import type { ResolvedEnvironment } from '../../environments/resolve';
import { addEnvironmentStacks } from '../../stacks/environment-stacks';
import type { RequiredSecret } from '../../stacks/secrets';
import { exec } from '../lib/exec';
import { withoutStackTraces } from '../lib/quiet-stack-traces';

/** The environment's Secrets (its stacks built in memory, nothing written). */
export function secretList(resolved: ResolvedEnvironment): readonly RequiredSecret[] {
  // built, not synthesized: nothing is written
  return withoutStackTraces(() => addEnvironmentStacks(new App({ stackTraces: false }), resolved).secrets);
}

export function formatSecrets(envName: string, secrets: readonly RequiredSecret[]): string {
  const rows = secrets.map((s) => [s.namespace, s.name, s.type, s.keys.join(', '), s.required ? 'yes' : `no (created by ${s.createdBy ?? 'an operator'})`, s.readers.join('; ')]);
  const head = ['namespace', 'secret', 'type', 'keys', 'required', 'read by'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const commands = secrets.filter((s) => s.command).map((s) => s.command!);
  return [
    `${envName}: Secrets`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    commands.length > 0
      ? `Make the required ones after the ${envName}-namespaces stack is applied (deploy does that first), before the rest:`
      : 'No Secret to make.',
    ...commands,
  ].join('\n');
}

export interface Cluster {
  readonly context: string;
  readonly configPath?: string;
}

export interface SecretCheck {
  /** False when the cluster could not be asked (no kubectl, unreachable, no permission): nothing was checked. */
  readonly reachable: boolean;
  /** Why it was not reachable. */
  readonly detail?: string;
  /** Required Secrets that are missing, or lack keys. */
  readonly missing: ReadonlyArray<{ readonly secret: RequiredSecret; readonly missingKeys?: readonly string[] }>;
}

const kubeArgs = (c: Cluster) => ['--context', c.context, ...(c.configPath ? ['--kubeconfig', c.configPath.replace(/^~/, process.env.HOME ?? '~')] : [])];

/** Asks the cluster for each required Secret's key names. */
export async function checkSecrets(secrets: readonly RequiredSecret[], cluster: Cluster): Promise<SecretCheck> {
  const base = kubeArgs(cluster);
  let ping;
  try {
    ping = await exec('kubectl', [...base, 'get', '--raw', '/version'], { reject: false, timeout: 20_000 });
  } catch (e) {
    return { reachable: false, detail: `kubectl could not run (${e instanceof Error ? e.message : String(e)})`, missing: [] };
  }
  if (ping.exitCode !== 0) {
    const why = String(ping.stderr ?? '').trim().split('\n')[0] || ping.shortMessage || 'no answer';
    return { reachable: false, detail: ping.exitCode === undefined ? 'kubectl not found' : `cluster of context "${cluster.context}" not reachable: ${why}`, missing: [] };
  }
  const missing: Array<{ secret: RequiredSecret; missingKeys?: string[] }> = [];
  for (const secret of secrets.filter((s) => s.required)) {
    // the key names only, one per line
    const r = await exec('kubectl', [...base, '-n', secret.namespace, 'get', 'secret', secret.name, '-o', 'go-template={{range $k, $v := .data}}{{$k}}{{"\\n"}}{{end}}'], { reject: false, timeout: 20_000 });
    if (r.exitCode !== 0) {
      const err = String(r.stderr ?? '');
      if (/NotFound|not found/i.test(err)) missing.push({ secret });
      else return { reachable: false, detail: `kubectl get secret ${secret.name} -n ${secret.namespace}: ${err.trim().split('\n')[0] ?? 'failed'}`, missing: [] };
      continue;
    }
    const keys = new Set(String(r.stdout ?? '').split('\n').map((k) => k.trim()).filter(Boolean));
    const lacking = secret.keys.filter((k) => !keys.has(k));
    if (lacking.length > 0) missing.push({ secret, missingKeys: lacking });
  }
  return { reachable: true, missing };
}

/** One paragraph naming each missing Secret and the command that makes it. */
export function formatMissingSecrets(envName: string, check: SecretCheck): string {
  const items = check.missing.map(({ secret: s, missingKeys }) =>
    missingKeys ? `${s.namespace}/${s.name} lacks key${missingKeys.length > 1 ? 's' : ''} ${missingKeys.join(', ')} (read by ${s.readers.join('; ')}; delete it and make it again: ${s.command})` : `${s.namespace}/${s.name} (read by ${s.readers.join('; ')}; make it with: ${s.command})`,
  );
  return `${envName}: ${items.length} Secret${items.length > 1 ? 's' : ''} the deploy reads ${items.length > 1 ? 'are' : 'is'} missing, so Helm would wait for pods that cannot start and roll back: ${items.join('; ')}. Make ${items.length > 1 ? 'them' : 'it'} (npx inference-stack secrets --env ${envName} lists every Secret), then deploy again.`;
}
