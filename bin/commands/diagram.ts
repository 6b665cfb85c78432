/**
 * `inference-stack diagram --env X [--out dir]`: the environment's architecture as Mermaid text and as SVG,
 * rendered offline by Graphviz compiled to WebAssembly (@viz-js/viz).
 */
import type { ResolvedEnvironment } from '../../environments/resolve';

interface Node {
  readonly id: string;
  readonly label: string;
  readonly group: string;
}
interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}

const id = (kind: string, name: string) => `${kind}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;

/** The components and traffic paths of an environment. */
export function architecture(resolved: ResolvedEnvironment): { nodes: Node[]; edges: Edge[]; groups: Record<string, string> } {
  const env = resolved.env;
  const nodes: Node[] = [{ id: 'clients', label: 'clients', group: 'outside' }];
  const edges: Edge[] = [];
  const groups: Record<string, string> = { outside: 'outside', edge: 'edge', gateway: 'gateway', guardrails: 'guardrails', hosted: 'hosted APIs (outside the cluster)', models: 'models', apps: 'your apps', rag: 'rag', gpus: 'GPU pools', monitoring: 'monitoring', logging: 'logging', tracing: 'tracing' };
  const entry = env.edge ? 'edge' : 'gateway';
  if (env.edge) {
    const tls = env.edge.tls.mode === 'none' ? 'HTTP' : env.edge.mtls.enabled ? 'mTLS' : 'TLS';
    nodes.push({ id: 'edge', label: `Caddy edge (${tls})`, group: 'edge' });
    edges.push({ from: 'clients', to: 'edge', label: env.edge.hostnames[0] ?? tls });
  }
  nodes.push({ id: 'gateway', label: 'LiteLLM gateway', group: 'gateway' }, { id: 'gateway_db', label: 'Postgres (keys, spend)', group: 'gateway' });
  edges.push({ from: entry === 'edge' ? 'edge' : 'clients', to: 'gateway' }, { from: 'gateway', to: 'gateway_db' });
  // Every prompt to a hosted API passes the PII guardrails first (Presidio, in the cluster), when there are any.
  const guardrails = env.gateway.guardrails;
  if (guardrails.length > 0 && env.gateway.hostedModels.length > 0) {
    const what = guardrails.map((g) => `${g.name}: ${g.action} ${g.entities.length} entities`).join('; ');
    nodes.push({ id: 'guardrail', label: `PII guardrail ${what} (Presidio)`, group: 'guardrails' });
    edges.push({ from: 'gateway', to: 'guardrail', label: 'prompts to hosted APIs' });
  }
  for (const h of env.gateway.hostedModels) {
    nodes.push({ id: id('hosted', h.name), label: `${h.name} (${h.provider})`, group: 'hosted' });
    edges.push(guardrails.length > 0 ? { from: 'guardrail', to: id('hosted', h.name) } : { from: 'gateway', to: id('hosted', h.name), label: 'no PII guardrail' });
  }
  for (const { spec: p } of resolved.pools) {
    const sharing = p.sharing.mode === 'mig' ? `, MIG ${p.sharing.profile}` : p.sharing.mode === 'time-slicing' ? `, time-sliced x${p.sharing.replicas}` : '';
    nodes.push({ id: id('pool', p.name), label: `${p.name}: ${p.nodes.length} x ${p.gpusPerNode} ${p.gpu}${sharing}`, group: 'gpus' });
  }
  for (const { spec: m } of resolved.models) {
    // autoscaled: the range KEDA moves in, not the replicas field it replaces
    const replicas = m.autoscaling ? `${m.autoscaling.min}-${m.autoscaling.max}` : String(m.replicas);
    nodes.push({ id: id('model', m.name), label: `${m.name} (${m.engine}, TP ${m.tensorParallel}, x${replicas})`, group: 'models' });
    edges.push({ from: 'gateway', to: id('model', m.name) }, { from: id('model', m.name), to: id('pool', m.pool), label: 'runs on' });
  }
  for (const { spec: e } of resolved.embeddings) {
    nodes.push({ id: id('embedding', e.name), label: `${e.name} (TEI, x${e.replicas})`, group: 'models' });
    edges.push({ from: 'gateway', to: id('embedding', e.name) });
    if (e.pool !== 'cpu') edges.push({ from: id('embedding', e.name), to: id('pool', e.pool), label: 'runs on' });
  }
  if (env.vectorStore) {
    nodes.push({ id: 'store', label: `${env.vectorStore.type} (${env.vectorStore.collections.map((c) => c.name).join(', ') || 'no collections'})`, group: 'rag' });
    for (const ns of env.vectorStore.allowedNamespaces) {
      if (ns === 'gateway') {
        edges.push({ from: 'gateway', to: 'store' });
      } else {
        nodes.push({ id: id('apps', ns), label: `apps in ${ns}`, group: 'apps' });
        edges.push({ from: id('apps', ns), to: 'store', label: 'retrieval' });
      }
    }
  }
  nodes.push({ id: 'prometheus', label: 'Prometheus + Grafana', group: 'monitoring' });
  edges.push({ from: 'prometheus', to: 'gateway', label: 'scrapes all' });
  const tracing = env.observability.tracing;
  if (tracing) {
    const inCluster = tracing.type === 'langfuse' && !tracing.external;
    const where =
      tracing.type === 'otel' ? `OpenTelemetry collector (${new URL(tracing.endpoint).host})` : tracing.external ? `Langfuse (${new URL(tracing.external.host).host})` : 'Langfuse (tracing namespace)';
    nodes.push({ id: 'tracing', label: where, group: inCluster ? 'tracing' : 'outside' });
    edges.push({ from: 'gateway', to: 'tracing', label: 'traces' });
    if (tracing.type === 'otel' && tracing.modelServers) {
      for (const { spec: m, multiNode } of resolved.models) if (m.engine === 'vllm' && !multiNode) edges.push({ from: id('model', m.name), to: 'tracing', label: 'spans' });
    }
  }
  const logs = env.observability.logs;
  if (logs) {
    const sink = logs.sink.type === 'syslog' ? `${logs.sink.host}:${logs.sink.port}` : new URL(logs.sink.url).host;
    nodes.push({ id: 'log_shipper', label: 'Fluent Bit (every node)', group: 'logging' }, { id: 'siem', label: `SIEM: ${logs.sink.type} (${sink})`, group: 'outside' });
    // every pod of the environment logs to its node, where the shipper reads it
    edges.push({ from: 'gateway', to: 'log_shipper', label: 'pod logs (all)' }, { from: 'log_shipper', to: 'siem', label: 'JSON logs' });
  }
  return { nodes, edges, groups };
}

export function mermaid(resolved: ResolvedEnvironment): string {
  const { nodes, edges, groups } = architecture(resolved);
  const lines = ['flowchart LR'];
  for (const [g, title] of Object.entries(groups)) {
    const members = nodes.filter((n) => n.group === g);
    if (members.length === 0) continue;
    lines.push(`  subgraph g_${g}["${title}"]`);
    for (const n of members) lines.push(`    n_${n.id}["${n.label.replace(/"/g, "'")}"]`);
    lines.push('  end');
  }
  for (const e of edges) lines.push(`  n_${e.from} -->${e.label ? `|${e.label.replace(/[|"]/g, ' ')}|` : ''} n_${e.to}`);
  return `${lines.join('\n')}\n`;
}

export function dot(resolved: ResolvedEnvironment): string {
  const { nodes, edges, groups } = architecture(resolved);
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph environment {', '  rankdir=LR;', '  node [shape=box, style="rounded,filled", fillcolor="#f5f7fa", fontname="Helvetica"];', `  label=${q(`Inference Stack: ${resolved.env.name}`)};`];
  for (const [g, title] of Object.entries(groups)) {
    const members = nodes.filter((n) => n.group === g);
    if (members.length === 0) continue;
    lines.push(`  subgraph cluster_${g} {`, `    label=${q(title)};`, '    style="rounded,dashed";');
    for (const n of members) lines.push(`    ${q(n.id)} [label=${q(n.label)}];`);
    lines.push('  }');
  }
  for (const e of edges) lines.push(`  ${q(e.from)} -> ${q(e.to)}${e.label ? ` [label=${q(e.label)}]` : ''};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The diagram as SVG, rendered offline. */
export async function svg(resolved: ResolvedEnvironment): Promise<string> {
  // an optional dependency (Graphviz as WebAssembly, ~10 MB): an install without it still does everything else
  const { instance } = await import('@viz-js/viz').catch((e: unknown) => {
    throw new Error(`the SVG diagram needs the optional dependency @viz-js/viz, which is not installed (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): run \`npm install @viz-js/viz\` beside inference-stack`);
  });
  const viz = await instance();
  return viz.renderString(dot(resolved), { format: 'svg', engine: 'dot' });
}
