/**
 * `inference-stack doctor [--env X]`: are the tools a deploy needs here, at versions that work, and does the
 * kubeconfig know the environment's context? The exit code tells: 0 ready, 1 something a deploy needs is missing.
 */
import type { Environment } from '../../environments/schema';
import { EDGE_NAME } from '../../constructs/caddy-edge';
import { FIELD_MANAGERS, GPU_TAINT } from '../../constructs/gpu-node-pool';
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
  /** The stack whose deploy needs it. @default 'edge' */
  readonly stack?: string;
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
  if (env.observability.tracing?.type === 'langfuse' && env.observability.tracing.inCluster) {
    out.push({
      name: 'ClickHouse operator',
      detail: `observability.tracing.inCluster runs Langfuse, whose ClickHouseCluster and KeeperCluster need the ClickHouse operator and its CRDs (chart clickhouse-operator-helm, with cert-manager; the Langfuse chart refuses to render without the CRDs): install it before the observability stack`,
      kubectl: ['get', 'crd', 'clickhouseclusters.clickhouse.com', 'keeperclusters.clickhouse.com'],
      stack: 'observability',
    });
  }
  return out;
}

/** A node the gpu-pools stack writes to, and whether it has a taint resource. */
export interface GpuNodeWrite {
  readonly node: string;
  readonly pool: string;
  readonly taint: boolean;
}

export function gpuNodeWrites(env: Environment): GpuNodeWrite[] {
  return env.gpuPools.flatMap((p) => p.nodes.map((node) => ({ node, pool: p.name, taint: p.taint ?? true })));
}

/** The field manager every node resource used before each got its own (FIELD_MANAGERS). */
export const STALE_FIELD_MANAGER = 'inference-stack';

interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly fieldsV1?: { 'f:metadata'?: { 'f:labels'?: Record<string, unknown> }; 'f:spec'?: Record<string, unknown> };
}
interface NodeJson {
  readonly metadata: { name: string; managedFields?: readonly ManagedFieldsEntry[] };
  readonly spec?: { taints?: readonly unknown[] };
}

/** The managers that own `spec.taints` of a node (an atomic list: owned whole). */
function taintOwners(node: NodeJson): string[] {
  return (node.metadata.managedFields ?? []).filter((m) => m.fieldsV1?.['f:spec'] && 'f:taints' in m.fieldsV1['f:spec']).map((m) => m.manager ?? '?');
}

/**
 * What the nodes' field ownership means for day two, from `kubectl get nodes -o json`:
 * - a node missing from the cluster (the stack's apply fails on it);
 * - fields still owned by the shared manager of earlier releases (`inference-stack`): a value we change later then
 *   conflicts, a label we drop stays (README, Day two, *Stale field manager*); with the commands that release them;
 * - a node whose taint list `inference-stack-taint` does not own alone (after any cordon, the controller owns it):
 *   the taint resource's Delete, an unforced apply of `spec.taints: []`, then fails with a field-manager conflict
 *   (README, Day two, *Node removed from a pool*); with the commands to use instead.
 */
export function nodeFieldChecks(nodesJson: string, writes: readonly GpuNodeWrite[], environment: string): Check[] {
  const items = (JSON.parse(nodesJson) as { items?: NodeJson[] }).items ?? [];
  const byName = new Map(items.map((n) => [n.metadata.name, n]));
  const checks: Check[] = [];
  const missing = writes.filter((w) => !byName.has(w.node));
  checks.push(
    missing.length === 0
      ? { name: 'gpu nodes', ok: true, detail: `all ${writes.length} nodes of gpuPools exist`, needed: '', required: true }
      : { name: 'gpu nodes', ok: false, detail: `not in the cluster: ${missing.map((w) => `${w.node} (pool ${w.pool})`).join(', ')}; fix gpuPools[].nodes from \`kubectl get nodes\``, needed: `deploy of ${environment}-gpu-pools (labels on a missing node fail)`, required: true },
  );

  const stale: string[] = [];
  for (const w of writes) {
    const node = byName.get(w.node);
    if (!node) continue;
    const entries = (node.metadata.managedFields ?? []).filter((m) => m.manager === STALE_FIELD_MANAGER && m.operation === 'Apply');
    if (entries.length === 0) continue;
    const labels = entries.flatMap((m) => Object.keys(m.fieldsV1?.['f:metadata']?.['f:labels'] ?? {}).filter((k) => k.startsWith('f:')).map((k) => k.slice(2)));
    const owners = taintOwners(node);
    const taints = owners.includes(STALE_FIELD_MANAGER);
    const fields = [...labels.map((l) => `label ${l}`), ...(taints ? ['spec.taints'] : [])].join(', ') || 'no fields';
    // A label the stale manager owns alone would be deleted by the release, wanted or not: the release comes after a
    // deploy of the gpu-pools stack, which lets the current managers co-own the labels the pool sets.
    const coOwned = new Set((node.metadata.managedFields ?? []).filter((m) => m.manager !== STALE_FIELD_MANAGER).flatMap((m) => Object.keys(m.fieldsV1?.['f:metadata']?.['f:labels'] ?? {}).map((k) => k.slice(2))));
    const alone = labels.filter((l) => !coOwned.has(l));
    const steps: string[] = [];
    // Releasing a field its manager owns alone deletes it: the taint list is first shared with our taint manager
    // (same value, so no conflict), then the stale manager gives up everything.
    if (taints && !owners.includes(FIELD_MANAGERS.taint)) {
      const keep = JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: w.node }, spec: { taints: node.spec?.taints ?? [] } });
      steps.push(`echo '${keep}' | kubectl apply --server-side --field-manager=${FIELD_MANAGERS.taint} -f -`);
    }
    steps.push(`echo '${JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: w.node } })}' | kubectl apply --server-side --field-manager=${STALE_FIELD_MANAGER} -f -`);
    stale.push(
      alone.length > 0
        ? `${w.node} (${fields}): owned by "${STALE_FIELD_MANAGER}" alone (${alone.map((l) => `label ${l}`).join(', ')}), which a release now would delete: deploy ${environment}-gpu-pools first, run doctor again, and release only after that deploy (a label still owned alone then is one the pool no longer sets, and the release removes it): ${steps.join(' && ')}`
        : `${w.node} (${fields}): ${steps.join(' && ')}`,
    );
  }
  checks.push(
    stale.length === 0
      ? { name: 'stale field manager', ok: true, detail: `no node field is owned by "${STALE_FIELD_MANAGER}"`, needed: '', required: false }
      : {
          name: 'stale field manager',
          ok: false,
          detail: `fields of the earlier shared manager "${STALE_FIELD_MANAGER}" on ${stale.length} node(s); release them once per node (add --context): ${stale.join('; ')}`,
          needed: 'changing such a value conflicts, and a label the pool drops (mig.config, device-plugin.config) stays on the node',
          required: false,
        },
  );

  const shared: string[] = [];
  for (const w of writes) {
    const node = byName.get(w.node);
    if (!node || !w.taint) continue;
    const owners = taintOwners(node);
    if (owners.length === 1 && owners[0] === FIELD_MANAGERS.taint) continue;
    shared.push(`${w.node} (spec.taints owned by ${owners.length ? owners.join(', ') : 'no manager'})`);
  }
  checks.push(
    shared.length === 0
      ? { name: 'gpu taint ownership', ok: true, detail: `"${FIELD_MANAGERS.taint}" alone owns the taint list of every tainted GPU node`, needed: '', required: false }
      : {
          name: 'gpu taint ownership',
          ok: false,
          detail: `${shared.join(', ')}: before removing such a node from gpuPools, setting taint: false or destroying ${environment}-gpu-pools, in cdktf.out/stacks/${environment}-gpu-pools run \`terraform state rm 'kubernetes_node_taint.node-<node>-taint'\`, apply, then \`kubectl taint node <node> ${GPU_TAINT.key}-\``,
          needed: `the taint resource's delete (an unforced apply of an empty list) fails with "Field manager conflict"`,
          required: false,
        },
  );
  return checks;
}

export async function doctor(context?: string, configPath?: string, env?: { environment: string; secrets: readonly RequiredSecret[]; prerequisites?: readonly Prerequisite[]; gpuNodes?: readonly GpuNodeWrite[] }): Promise<Check[]> {
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
            : { name: p.name, ok: false, detail: `not found (${p.detail})`, needed: `deploy of the ${p.stack ?? 'edge'} stack`, required: true },
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
      if (env.gpuNodes?.length) {
        // The GPU nodes' field ownership (managedFields): see nodeFieldChecks.
        const r = await exec('kubectl', ['get', 'nodes', '-o', 'json', '--context', context, ...kubeconfig], { reject: false, timeout: 15_000 });
        if (r.exitCode === 0) checks.push(...nodeFieldChecks(String(r.stdout ?? ''), env.gpuNodes, env.environment));
        else checks.push({ name: 'gpu nodes', ok: false, detail: `not checked: kubectl get nodes failed (${String(r.stderr ?? '').trim().split('\n')[0]})`, needed: 'the node checks (field managers of labels and taints)', required: false });
      }
    }
  }
  return checks;
}

export function formatDoctor(checks: readonly Check[]): string {
  return checks.map((c) => `${c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn'} ${c.name}: ${c.detail}${c.ok ? '' : `; without it: ${c.needed}`}`).join('\n');
}
