/**
 * Extracts the upstream facts the tests use from ../shared/upstream into facts/upstream/ (`npm run facts`), so the
 * repository tests on its own. Only what a test reads is kept, derived where possible (value trees without their
 * comments, the `.Values` paths each template reads, CRD schemas without descriptions, metric names); the lists
 * shared/ itself extracted (flags, image facts, GPU facts) are copied. Every file names its source (`_source`).
 * test/facts.test.ts regenerates this from ../shared/upstream when it is there and fails when the copy differs.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CHARTS } from '../../charts/pins';
import { VALUES_SUBCHARTS, templateFiles, valuesReads } from './upstream';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The custom resource kinds we render (kubernetes_manifest, and the CRs charts render from our values): only their
 * CRDs are kept. A new kind fails test/charts/crd-schemas.test.ts with "no CRD": add it here and run `npm run facts`.
 */
export const RENDERED_CRDS: readonly string[] = [
  'cert-manager.io/Certificate',
  'clickhouse.com/ClickHouseCluster',
  'cert-manager.io/ClusterIssuer',
  'clickhouse.com/KeeperCluster',
  'keda.sh/ScaledObject',
  'leaderworkerset.x-k8s.io/LeaderWorkerSet',
  'monitoring.coreos.com/Alertmanager',
  'monitoring.coreos.com/PodMonitor',
  'monitoring.coreos.com/Prometheus',
  'monitoring.coreos.com/PrometheusRule',
  'monitoring.coreos.com/ServiceMonitor',
  'nvidia.com/ClusterPolicy',
  'nvidia.com/NVIDIADriver',
  'postgresql.cnpg.io/Cluster',
  'postgresql.cnpg.io/ScheduledBackup',
];

/**
 * Upstream text a test quotes (a comment, a template line): `lines` lines from the first line containing `needle`,
 * starting `before` lines above it. A needle that is no longer there fails the extraction.
 */
export interface ExcerptSpec {
  readonly folder: string;
  readonly file: string;
  readonly needle: string;
  readonly before?: number;
  readonly lines?: number;
  readonly why: string;
}
export const EXCERPTS: readonly ExcerptSpec[] = [
  { folder: 'gpu-operator/v26.7.0', file: 'values.yaml', needle: 'upgradeCRD: true', before: 2, lines: 3, why: 'test/stacks/reapply.test.ts: the CRD upgrade hook needs --disable-openapi-validation' },
  { folder: 'qdrant/1.19.0', file: 'templates/statefulset.yaml', needle: 'range .Values.env }}', lines: 4, why: 'test/constructs/rag.test.ts: env[].valueFrom is rendered verbatim' },
  { folder: 'cert-manager/v1.21.1', file: 'templates/service.yaml', needle: 'name: http-metrics', why: "test/constructs/observability.test.ts: the controller's metrics port" },
  { folder: 'cert-manager/v1.21.1', file: 'templates/service.yaml', needle: 'app.kubernetes.io/component: "controller"', why: "test/constructs/observability.test.ts: the controller's label" },
  { folder: 'kube-prometheus-stack/88.5.3', file: 'templates/alertmanager/secret.yaml', needle: 'alertmanager.yaml: {{ toYaml .Values.alertmanager.config', why: 'test/charts/alertmanager.test.ts' },
  { folder: 'kube-prometheus-stack/88.5.3', file: 'templates/alertmanager/alertmanager.yaml', needle: 'toYaml .Values.alertmanager.alertmanagerSpec.secrets', why: 'test/charts/alertmanager.test.ts' },
  { folder: 'kube-prometheus-stack/88.5.3', file: 'crds/crd-alertmanagers.yaml', needle: 'The Secrets are mounted into', why: 'test/charts/alertmanager.test.ts: where the operator mounts Secrets' },
  { folder: 'kube-prometheus-stack/88.5.3', file: 'templates/prometheus/rules-1.14/kubernetes-apps.yaml', needle: 'kube_pod_status_ready{', why: 'test/observability/observability.test.ts: the Ready metric and label the slow-start alert reads' },
  { folder: 'kube-prometheus-stack/88.5.3', file: 'templates/prometheus/rules-1.14/k8s.rules.container_resource.yaml', needle: 'kube_pod_container_resource_requests{resource="memory"', lines: 5, why: 'test/observability/cost-rules.test.ts: kube-state-metrics series the cost rules read as the chart\'s own rules do (requests of pods by phase)' },
  { folder: 'cluster/0.8.1', file: 'templates/scheduled-backups.yaml', needle: 'range .Values.backups.scheduledBackups', lines: 22, why: 'test/charts/crd-schemas.test.ts: the fields each scheduled backup is copied into' },
];

/** The flag and config-key lists the tests read (copied: shared/ extracted them from the sources they name). */
export const FLAG_FILES: readonly string[] = [
  // Langfuse web/worker env (LANGFUSE_INIT_* headless initialization), images, ports, users
  'langfuse-v4.4.0-env.json',
  'litellm-proxy-config-keys-guardrails-callbacks.json',
  'litellm-proxy-config-keys.json',
  'presidio-2.2.363.json',
  'text-embeddings-inference-v1.9.3.json',
  'text-generation-inference-v3.3.7.json',
  'vllm-main-6adad087.json',
  // the vLLM image: hf CLI, Run:ai streamer, load formats, cache paths (issue 17: prefetch Job, loading)
  'vllm-image-main-6adad087.json',
];

/** JSON with object keys sorted at every level (lists keep their order), one-space indent (or none), final newline. */
export function stableJson(value: unknown, indent = 1): string {
  const sort = (v: unknown): unknown => (Array.isArray(v) ? v.map(sort) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v);
  return `${JSON.stringify(sort(value), null, indent)}\n`;
}

const readJson = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;
const readYaml = (file: string): unknown => parse(readFileSync(file, 'utf8'));
const posix = (p: string) => p.split(sep).join('/');

/** A CRD or values schema without its `description`s (documentation only; a field named `description` stays). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
function withoutDescriptions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDescriptions);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description') continue;
    if (SCHEMA_MAPS.has(k) && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, withoutDescriptions(s)]));
    else if (k === 'default' || k === 'example' || k === 'enum') out[k] = v;
    else out[k] = withoutDescriptions(v);
  }
  return out;
}

/** Where a chart folder came from: the identifying fields of its _source.json (a vendored subchart: its parent's). */
function chartSource(upstream: string, folder: string): Json {
  const parts = folder.split('/');
  const own = join(upstream, 'charts', folder, '_source.json');
  const file = existsSync(own) ? own : join(upstream, 'charts', parts[0]!, parts[1]!, '_source.json');
  const s = readJson(file);
  const pick = (...keys: string[]) => Object.fromEntries(keys.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  return {
    from: `shared/upstream/charts/${folder}${file === own ? '' : ` (vendored in ${parts.slice(0, 2).join('/')})`}`,
    ...pick('chart', 'chart_version', 'chart_version_published', 'repo', 'path', 'ref', 'tag', 'commit'),
  };
}

/** The facts of one chart folder (`<chart>/<version>` or a vendored `<chart>/<version>/charts/<sub>`). */
function chartFacts(upstream: string, folder: string, queue: string[]): Json {
  const dir = join(upstream, 'charts', folder);
  const chartYaml = readYaml(join(dir, 'Chart.yaml')) as { name: string; version: string; appVersion?: string; kubeVersion?: string; dependencies?: Array<{ name: string; alias?: string; version: string; condition?: string }> };
  const valuesText = readFileSync(join(dir, 'values.yaml'), 'utf8');
  const templates: Json = {};
  for (const file of templateFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    const entry: Json = { reads: valuesReads(text).map((p) => [...p]).sort((a, b) => a.join('\n').localeCompare(b.join('\n'))).filter((p, i, all) => i === 0 || p.join('\n') !== all[i - 1]!.join('\n')) };
    if (/kind: CustomResourceDefinition/.test(text)) {
      entry.crd = true;
      entry.resourcePolicy = /helm\.sh\/resource-policy: (\w+)/.exec(text)?.[1] ?? null;
    }
    templates[posix(relative(dir, file))] = entry;
  }
  const subcharts: Json = {};
  for (const dep of chartYaml.dependencies ?? []) {
    const candidates = [`${folder}/charts/${dep.name}`, `${dep.name}/${dep.version}`];
    const found = candidates.find((c) => existsSync(join(upstream, 'charts', c, 'templates')));
    subcharts[dep.alias ?? dep.name] = found ? { folder: found } : { missing: `charts/${dep.name}/${dep.version}/templates (not saved)` };
    if (found) queue.push(found);
  }
  const source = existsSync(join(dir, '_source.json')) ? readJson(join(dir, '_source.json')) : {};
  const crdsInfo = source.crds as { dir?: string | null; crds?: Array<{ group: string; kind: string }> } | undefined;
  const valuesSchema = join(dir, 'values.schema.json');
  return {
    _source: chartSource(upstream, folder),
    chart: { name: chartYaml.name, version: chartYaml.version, appVersion: chartYaml.appVersion ?? null, kubeVersion: chartYaml.kubeVersion ?? null, dependencies: chartYaml.dependencies ?? [] },
    values: parse(valuesText) ?? {},
    /** Key names documented only in comments (`# key: ...`). */
    commentedKeys: [...new Set([...valuesText.matchAll(/^\s*#\s*([A-Za-z_][A-Za-z0-9_]*):/gm)].map((m) => m[1]!))].sort(),
    ...(existsSync(valuesSchema) ? { valuesSchema: withoutDescriptions(readJson(valuesSchema)) } : {}),
    templates,
    crdFiles: existsSync(join(dir, 'crds')) ? readdirSync(join(dir, 'crds')).sort() : [],
    installsCrds: crdsInfo?.dir ? (crdsInfo.crds ?? []).map((c) => `${c.group}/${c.kind}`).sort() : [],
    subcharts,
  };
}

/** Every facts file, by its path under facts/upstream/, from an upstream folder laid out as shared/upstream. */
export function extractFacts(upstream: string): Map<string, string> {
  const out = new Map<string, string>();
  const charts = new Map<string, Json>();
  const queue = [...Object.values(CHARTS).map((c) => c.upstreamData), ...Object.values(VALUES_SUBCHARTS).flatMap((m) => Object.values(m))];
  while (queue.length > 0) {
    const folder = queue.shift()!;
    if (!charts.has(folder)) charts.set(folder, chartFacts(upstream, folder, queue));
  }
  for (const spec of EXCERPTS) {
    const facts = charts.get(spec.folder);
    if (!facts) throw new Error(`excerpt of ${spec.folder}: not a chart folder the tests use`);
    const lines = readFileSync(join(upstream, 'charts', spec.folder, spec.file), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes(spec.needle));
    if (at < 0) throw new Error(`shared/upstream/charts/${spec.folder}/${spec.file} no longer contains ${JSON.stringify(spec.needle)} (${spec.why})`);
    const from = Math.max(0, at - (spec.before ?? 0));
    const excerpts = ((facts.excerpts ??= {}) as Record<string, Array<{ line: number; text: string[]; why: string }>>);
    (excerpts[spec.file] ??= []).push({ line: from + 1, text: lines.slice(from, from + (spec.lines ?? 1)), why: spec.why });
    excerpts[spec.file]!.sort((a, b) => a.line - b.line);
  }
  for (const [folder, facts] of charts) out.set(`charts/${folder}/chart.json`, stableJson(facts));

  // CRDs: the first file that defines a group/kind wins (later copies are identical), in sorted folder order
  const crds: Json = {};
  const chartsDir = join(upstream, 'charts');
  for (const chart of readdirSync(chartsDir).sort()) {
    for (const version of readdirSync(join(chartsDir, chart)).sort()) {
      const dir = join(chartsDir, chart, version, 'crds');
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
        for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
          const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: Array<{ name: string; served: boolean; storage: boolean; schema?: { openAPIV3Schema: unknown } }> } } | null;
          if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
          const key = `${crd.spec.group}/${crd.spec.names.kind}`;
          if (!RENDERED_CRDS.includes(key) || key in crds) continue;
          crds[key] = {
            group: crd.spec.group,
            kind: crd.spec.names.kind,
            file: `charts/${chart}/${version}/crds/${f}`,
            versions: crd.spec.versions.map((v) => ({ name: v.name, served: v.served, storage: v.storage, schema: withoutDescriptions(v.schema?.openAPIV3Schema ?? {}) })),
          };
        }
      }
    }
  }
  const missing = RENDERED_CRDS.filter((k) => !(k in crds));
  if (missing.length > 0) throw new Error(`no CRD in shared/upstream/charts/*/*/crds/ for ${missing.join(', ')}`);
  out.set('crds.json', stableJson({ _source: { from: 'shared/upstream/charts/*/*/crds/*.yaml (each CRD names its file; descriptions left out)' }, crds }, 0));

  for (const f of FLAG_FILES) out.set(`flags/${f}`, stableJson({ _source: { from: `shared/upstream/flags/${f}` }, ...readJson(join(upstream, 'flags', f)) }));

  for (const f of readdirSync(join(upstream, 'metrics')).filter((n) => n.endsWith('.json')).sort()) {
    const d = readJson(join(upstream, 'metrics', f)) as { project: string; version: string; commit: string; source_files?: unknown; metrics: Array<{ name: string; type: string; exposed_series?: string[] }> };
    const metrics = d.metrics.map((m) => ({ name: m.name, type: m.type, ...(m.exposed_series ? { exposed_series: m.exposed_series } : {}) })).sort((a, b) => a.name.localeCompare(b.name));
    out.set(`metrics/${f}`, stableJson({ _source: { from: `shared/upstream/metrics/${f}`, project: d.project, version: d.version, commit: d.commit, source_files: d.source_files ?? null }, metrics }));
  }

  out.set('images.json', stableJson({ _source: { from: 'shared/upstream/images.json (each entry names its build files)' }, ...readJson(join(upstream, 'images.json')) }));
  const models = readJson(join(upstream, 'models.json'));
  out.set('gpus.json', stableJson({ _source: { from: 'shared/upstream/models.json ("gpus"; each field names its source)' }, value_convention: models.value_convention, gpus: models.gpus }));
  out.set('README.md', README);
  return out;
}

const README = `# Upstream facts (generated: \`npm run facts\`; do not edit)

What the tests read from ../shared/upstream, extracted by test/support/extract-facts.ts so that the repository
tests on its own. Each JSON file's \`_source\` names the shared/upstream file it came from; that file names the
upstream repository, tag, commit and path (shared/upstream/README.md). test/facts.test.ts fails when this copy
differs from a fresh extract.

- \`charts/<chart>/<version>/chart.json\`: per pinned chart folder (and the subcharts it uses): the identifying
  fields of \`_source.json\`, Chart.yaml's name, version, appVersion, kubeVersion and dependencies, the values.yaml tree
  (comments dropped; \`commentedKeys\` lists the key names of \`# key:\` comment lines), values.schema.json
  without descriptions, the \`.Values\` paths each template reads (and which templates hold CRDs), the files
  in \`crds/\`, the CRDs the chart installs, and short excerpts a test quotes (with line numbers and why).
- \`crds.json\`: the CRDs of the custom resources we render (RENDERED_CRDS), schemas without descriptions.
- \`flags/\`, \`images.json\`: copies of lists shared/ extracted; \`metrics/\`: metric names, types and
  exposed series; \`gpus.json\`: the \`gpus\` facts of models.json.

Licences: the charts are Apache-2.0 (NVIDIA/gpu-operator and its node-feature-discovery subchart,
prometheus-community/helm-charts, grafana-community/helm-charts, cloudnative-pg/charts, qdrant/qdrant-helm,
kubernetes-sigs/lws, kedacore/charts, cert-manager/cert-manager); the Langfuse chart (langfuse/langfuse-k8s), its
subcharts (groundhog2k/helm-charts postgres, valkey-io/valkey-helm, seaweedfs/seaweedfs) and the ClickHouse operator's
CRDs (ClickHouse/clickhouse-operator) are under their repositories' licences; litellm-helm is part of BerriAI/litellm,
MIT licence, Copyright (c) 2023 Berri AI. Only the facts above are kept, not the charts.
`;
