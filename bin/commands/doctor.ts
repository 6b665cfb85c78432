/**
 * `inference-stack doctor [--env X]`: are the tools a deploy needs here, at versions that work, and does the
 * kubeconfig know the environment's context? The exit code tells: 0 ready, 1 something a deploy needs is missing.
 */
import type { Environment } from '../../environments/schema';
import { EDGE_NAME } from '../../constructs/caddy-edge';
import { NAMESPACES } from '../../stacks/topology';
import type { RequiredSecret } from '../../stacks/secrets';
import { exec } from '../lib/exec';
import { checkSecrets, formatMissingSecrets } from './secrets';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was found (a version), or why it failed. */
  readonly detail: string;
  /** What does not work without it. */
  readonly needed: string;
  /** Required for a deploy (else only advised). */
  readonly required: boolean;
}

async function version(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const r = await exec(cmd, args, { reject: false, timeout: 10_000 });
    return r.exitCode === 0 ? `${String(r.stdout ?? '')}${String(r.stderr ?? '')}`.trim().split('\n')[0] : undefined;
  } catch {
    return undefined;
  }
}

/** Something the stacks use but do not create; `kubectl` (arguments) finds it when it can be looked for. */
export interface Prerequisite {
  readonly name: string;
  readonly detail: string;
  readonly kubectl?: readonly string[];
}

/** What an environment needs in the cluster that none of its stacks creates (besides the Secrets). */
export function prerequisites(env: Environment): Prerequisite[] {
  const out: Prerequisite[] = [];
  const tls = env.edge?.tls;
  if (tls?.mode === 'cert-manager') {
    const { kind, name } = tls.issuer;
    const namespaced = kind === 'Issuer';
    out.push({
      name: namespaced ? `${kind} ${NAMESPACES.edge}/${name}` : `${kind} ${name}`,
      detail: `the edge's certificate is issued by cert-manager ${kind} "${name}", which you create (solving ACME with DNS-01)`,
      kubectl: ['get', kind.toLowerCase(), name, ...(namespaced ? ['-n', NAMESPACES.edge] : [])],
    });
  }
  if (env.edge && env.edge.service.type === 'LoadBalancer') {
    out.push({
      name: 'load-balancer controller',
      detail: `the LoadBalancer Service ${NAMESPACES.edge}/${EDGE_NAME} gets an address only from a cloud controller or MetalLB, kube-vip, Cilium LB IPAM (without one, the edge stack waits until it times out); not checked here`,
    });
  }
  return out;
}

export async function doctor(context?: string, configPath?: string, env?: { environment: string; secrets: readonly RequiredSecret[]; prerequisites?: readonly Prerequisite[] }): Promise<Check[]> {
  const checks: Check[] = [];
  const node = process.versions.node;
  checks.push({ name: 'node', ok: Number(node.split('.')[0]) >= 20, detail: `v${node}`, needed: 'everything (Node.js 20 or newer)', required: true });
  const terraform = await version('terraform', ['version']);
  const tfVersion = /v?(\d+\.\d+\.\d+)/.exec(terraform ?? '')?.[1];
  checks.push({
    name: 'terraform',
    ok: tfVersion !== undefined && (Number(tfVersion.split('.')[0]) > 1 || (Number(tfVersion.split('.')[0]) === 1 && Number(tfVersion.split('.')[1]) >= 10)),
    detail: terraform ?? 'not found',
    needed: 'deploy and destroy (1.10 or newer: S3 native state locking)',
    required: true,
  });
  const kubectl = await version('kubectl', ['version', '--client']);
  checks.push({ name: 'kubectl', ok: kubectl !== undefined, detail: kubectl ?? 'not found', needed: 'doctor\'s context check, and looking at the cluster', required: false });
  const helm = await version('helm', ['version', '--short']);
  checks.push({ name: 'helm', ok: helm !== undefined, detail: helm ?? 'not found', needed: 'helm template / show values when upgrading a chart (Terraform installs charts without it)', required: false });
  if (context) {
    const kubeconfig = configPath ? ['--kubeconfig', configPath.replace(/^~/, process.env.HOME ?? '~')] : [];
    const r = kubectl ? await exec('kubectl', ['config', 'get-contexts', '-o', 'name', ...kubeconfig], { reject: false }) : undefined;
    const found = r?.exitCode === 0 && String(r.stdout ?? '').split('\n').includes(context);
    checks.push({
      name: `context ${context}`,
      ok: found,
      detail: !kubectl ? 'cannot check without kubectl' : found ? 'found in the kubeconfig' : 'not in the kubeconfig',
      needed: 'deploy: the kubernetes and helm providers use this context',
      // without kubectl the context cannot be checked here: a warning, not a failure
      required: Boolean(kubectl),
    });
    for (const p of env?.prerequisites ?? []) {
      // Looked for when the cluster can be asked; else listed as advice.
      const r = found && p.kubectl ? await exec('kubectl', [...p.kubectl, '--context', context, ...kubeconfig], { reject: false, timeout: 15_000 }) : undefined;
      checks.push(
        r === undefined
          ? { name: p.name, ok: false, detail: `needed, not created by the stacks: ${p.detail}`, needed: 'deploy', required: false }
          : r.exitCode === 0
            ? { name: p.name, ok: true, detail: 'exists', needed: '', required: true }
            : { name: p.name, ok: false, detail: `not found (${p.detail})`, needed: 'deploy of the edge stack', required: true },
      );
    }
    if (found && env) {
      // With the cluster reachable, the Secrets a deploy reads (key names only).
      const check = await checkSecrets(env.secrets, { context, configPath });
      const required = env.secrets.filter((s) => s.required).length;
      checks.push(
        !check.reachable
          ? { name: 'secrets', ok: false, detail: `not checked: ${check.detail ?? 'cluster not reachable'}`, needed: 'deploy checks them itself and stops if one is missing', required: false }
          : check.missing.length === 0
            ? { name: 'secrets', ok: true, detail: `all ${required} required Secrets exist with their keys`, needed: '', required: true }
            : { name: 'secrets', ok: false, detail: formatMissingSecrets(env.environment, check), needed: 'deploy (the pods that read them cannot start)', required: true },
      );
    }
  }
  return checks;
}

export function formatDoctor(checks: readonly Check[]): string {
  return checks.map((c) => `${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'} ${c.name}: ${c.detail}${c.ok ? '' : `; without it: ${c.needed}`}`).join('\n');
}
