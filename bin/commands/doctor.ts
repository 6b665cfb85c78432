/**
 * `inference-stack doctor [--env X]`: are the tools a deploy needs here, at versions that work, and does the
 * kubeconfig know the environment's context? The exit code tells: 0 ready, 1 something a deploy needs is missing.
 */
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

export async function doctor(context?: string, configPath?: string, env?: { environment: string; secrets: readonly RequiredSecret[] }): Promise<Check[]> {
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
