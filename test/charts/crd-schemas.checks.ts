/**
 * "Every custom resource we emit validates against its CRD" (the CRDs the pinned charts install, saved in
 * shared/upstream/charts/*\/*\/crds/, kept in facts/upstream/crds.json). Three sources of custom resources:
 * 1. every kubernetes_manifest `manifest` of every stack (the object's own camelCase keys);
 * 2. the custom resources charts render from our values, where the values embed the CR body (EMBEDDED below, each
 *    with the template that copies it, checked to still read it);
 * 3. for charts with a values.schema.json, our values merged over the chart's defaults, as `helm install` checks them.
 */
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { type HelmReleaseJson, helmReleases, PRESETS, releaseValues, resourcesOf, stacksOf } from '../support/synth';
import { crdFor, formatErrors, loadCrds, validateAt, validateCustomResource, valuesSchemaValidator } from '../support/crds';
import { chartFacts, excerpt, templateReads } from '../support/upstream';

const SOURCES = [...PRESETS, 'fixture:multi-node', 'fixture:all-engines'] as const;
const crds = loadCrds();

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Helm's coalescing: maps merge key by key, anything else (lists included) is replaced. */
const coalesce = (base: unknown, over: unknown): unknown =>
  isObject(base) && isObject(over) ? Object.fromEntries([...new Set([...Object.keys(base), ...Object.keys(over)])].map((k) => [k, k in over ? coalesce(base[k], over[k]) : base[k]])) : over === undefined ? base : over;
const at = (values: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), values);
const readYaml = (dir: string) => structuredClone(chartFacts(dir).values);

/**
 * Values a chart copies into a custom resource it renders: `values` (dotted path in our values) lands at `field`
 * (dotted path in the CR; `[]` for each list item) of `group/kind` `version`, by `template` (which must read
 * `.Values.<values>` or, for `each`, range over it). `quote`: the template renders it with `| quote` (a string).
 * `each`: the values path is a list; each item's keys land at the given fields of one CR per item.
 */
interface Embedded {
  readonly chart: string;
  readonly values: string;
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly field?: string;
  readonly quote?: boolean;
  readonly each?: Readonly<Record<string, string>>;
  readonly template: string;
}
const EMBEDDED: readonly Embedded[] = [
  // kube-prometheus-stack 88.5.3: the Prometheus and Alertmanager CRs
  { chart: 'kube-prometheus-stack', values: 'prometheus.prometheusSpec.storageSpec', group: 'monitoring.coreos.com', kind: 'Prometheus', version: 'v1', field: 'spec.storage', template: 'templates/prometheus/prometheus.yaml' },
  { chart: 'kube-prometheus-stack', values: 'prometheus.prometheusSpec.resources', group: 'monitoring.coreos.com', kind: 'Prometheus', version: 'v1', field: 'spec.resources', template: 'templates/prometheus/prometheus.yaml' },
  { chart: 'kube-prometheus-stack', values: 'prometheus.prometheusSpec.retention', group: 'monitoring.coreos.com', kind: 'Prometheus', version: 'v1', field: 'spec.retention', quote: true, template: 'templates/prometheus/prometheus.yaml' },
  { chart: 'kube-prometheus-stack', values: 'alertmanager.alertmanagerSpec.storage', group: 'monitoring.coreos.com', kind: 'Alertmanager', version: 'v1', field: 'spec.storage', template: 'templates/alertmanager/alertmanager.yaml' },
  { chart: 'kube-prometheus-stack', values: 'alertmanager.alertmanagerSpec.resources', group: 'monitoring.coreos.com', kind: 'Alertmanager', version: 'v1', field: 'spec.resources', template: 'templates/alertmanager/alertmanager.yaml' },
  // gpu-operator v26.7.0: the ClusterPolicy
  { chart: 'gpu-operator', values: 'dcgmExporter.serviceMonitor', group: 'nvidia.com', kind: 'ClusterPolicy', version: 'v1', field: 'spec.dcgmExporter.serviceMonitor', template: 'templates/clusterpolicy.yaml' },
  { chart: 'gpu-operator', values: 'driver.upgradePolicy', group: 'nvidia.com', kind: 'ClusterPolicy', version: 'v1', field: 'spec.driver.upgradePolicy', template: 'templates/clusterpolicy.yaml' },
  { chart: 'gpu-operator', values: 'driver.version', group: 'nvidia.com', kind: 'ClusterPolicy', version: 'v1', field: 'spec.driver.version', quote: true, template: 'templates/clusterpolicy.yaml' },
  { chart: 'gpu-operator', values: 'daemonsets.rollingUpdate.maxUnavailable', group: 'nvidia.com', kind: 'ClusterPolicy', version: 'v1', field: 'spec.daemonsets.rollingUpdate.maxUnavailable', quote: true, template: 'templates/clusterpolicy.yaml' },
  { chart: 'gpu-operator', values: 'mig.strategy', group: 'nvidia.com', kind: 'ClusterPolicy', version: 'v1', field: 'spec.mig.strategy', template: 'templates/clusterpolicy.yaml' },
  { chart: 'gpu-operator', values: 'cdi.enabled', group: 'nvidia.com', kind: 'ClusterPolicy', version: 'v1', field: 'spec.cdi.enabled', template: 'templates/clusterpolicy.yaml' },
  // langfuse 2.0.0: the ClickHouseCluster and KeeperCluster the ClickHouse operator runs
  ...(['cluster', 'keeper'] as const).flatMap((part): Embedded[] => {
    const kind = part === 'cluster' ? 'ClickHouseCluster' : 'KeeperCluster';
    const common = { chart: 'langfuse', group: 'clickhouse.com', kind, version: 'v1alpha1', template: `templates/clickhouse/${part}.yaml` } as const;
    return [
      { ...common, values: `clickhouse.${part}.replicas`, field: 'spec.replicas' },
      // storage.size lands in `resources.requests` (a map): test/charts/langfuse-values.test.ts validates the whole CRs
      { ...common, values: `clickhouse.${part}.storage.className`, field: 'spec.dataVolumeClaimSpec.storageClassName', quote: true },
    ];
  }),
  { chart: 'langfuse', values: 'clickhouse.auth.existingSecret', group: 'clickhouse.com', kind: 'ClickHouseCluster', version: 'v1alpha1', field: 'spec.settings.defaultUserPassword.secret.name', quote: true, template: 'templates/clickhouse/cluster.yaml' },
  { chart: 'langfuse', values: 'clickhouse.auth.existingSecretKey', group: 'clickhouse.com', kind: 'ClickHouseCluster', version: 'v1alpha1', field: 'spec.settings.defaultUserPassword.secret.key', quote: true, template: 'templates/clickhouse/cluster.yaml' },
  // cluster 0.8.1: the CloudNativePG Cluster and ScheduledBackups
  { chart: 'cluster', values: 'cluster.instances', group: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1', field: 'spec.instances', template: 'templates/cluster.yaml' },
  { chart: 'cluster', values: 'cluster.imageName', group: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1', field: 'spec.imageName', template: 'templates/_helpers.tpl' },
  { chart: 'cluster', values: 'cluster.storage.size', group: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1', field: 'spec.storage.size', template: 'templates/cluster.yaml' },
  { chart: 'cluster', values: 'cluster.storage.storageClass', group: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1', field: 'spec.storage.storageClass', template: 'templates/cluster.yaml' },
  { chart: 'cluster', values: 'cluster.resources', group: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1', field: 'spec.resources', template: 'templates/cluster.yaml' },
  { chart: 'cluster', values: 'cluster.enablePDB', group: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1', field: 'spec.enablePDB', template: 'templates/cluster.yaml' },
  { chart: 'cluster', values: 'cluster.enableSuperuserAccess', group: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1', field: 'spec.enableSuperuserAccess', template: 'templates/cluster.yaml' },
  { chart: 'cluster', values: 'cluster.initdb', group: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1', field: 'spec.bootstrap.initdb', template: 'templates/_bootstrap.tpl' },
  { chart: 'cluster', values: 'backups.retentionPolicy', group: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1', field: 'spec.backup.retentionPolicy', template: 'templates/_backup.tpl' },
  {
    chart: 'cluster',
    values: 'backups.scheduledBackups',
    group: 'postgresql.cnpg.io',
    kind: 'ScheduledBackup',
    version: 'v1',
    // name: metadata.name is `<release fullname>-<name>`
    each: { name: 'metadata.name', schedule: 'spec.schedule', method: 'spec.method', backupOwnerReference: 'spec.backupOwnerReference', pluginConfiguration: 'spec.pluginConfiguration' },
    template: 'templates/scheduled-backups.yaml',
  },
];

/**
 * Charts whose values a schema checks: `own` says whether the chart ships a values.schema.json of its own (the
 * check below fails if that changes either way), `subcharts` the subcharts (values key -> folder) whose schema
 * checks our values too.
 */
const VALUES_SCHEMAS: Readonly<Record<string, { readonly own: boolean; readonly subcharts: Readonly<Record<string, string>> }>> = {
  'cert-manager': { own: true, subcharts: {} },
  'cloudnative-pg': { own: true, subcharts: {} },
  cluster: { own: true, subcharts: {} },
  'gpu-operator': { own: false, subcharts: { 'node-feature-discovery': 'gpu-operator/v26.7.0/charts/node-feature-discovery' } },
};

const folderOf = (r: HelmReleaseJson): string => Object.values(CHARTS).find((c) => c.chart === r.chart && c.version === r.version)!.upstreamData;

/** The errors of one embedded value against the CRD field it lands at. */
function embeddedErrors(e: Embedded, value: unknown): string[] {
  const found = crdFor(crds, `${e.group}/${e.version}`, e.kind);
  if (!found.ok) return [found.reason];
  if (e.each) {
    if (!Array.isArray(value)) return [`${e.values}: not a list`];
    return value.flatMap((item, i) =>
      Object.entries(item as Record<string, unknown>).flatMap(([k, v]) => {
        const field = e.each![k];
        if (!field) return [`${e.values}[${i}].${k}: the template does not copy it into the ${e.kind}`];
        if (field === 'metadata.name') return typeof v === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) ? [] : [`${e.values}[${i}].${k}: ${JSON.stringify(v)} is not a DNS label`];
        return validateAt(found.version, field.split('.'), v).map((m) => `${e.values}[${i}].${k} -> ${e.kind}.${field}${m}`);
      }),
    );
  }
  return validateAt(found.version, e.field!.split('.'), e.quote ? String(value) : value).map((m) => `${e.values} -> ${e.kind}.${e.field}${m}`);
}

describe('the saved CRDs', () => {
  it('index every CRD the pinned charts install, by group and kind', () => {
    for (const key of ['keda.sh/ScaledObject', 'monitoring.coreos.com/ServiceMonitor', 'monitoring.coreos.com/PrometheusRule', 'nvidia.com/NVIDIADriver', 'nvidia.com/ClusterPolicy', 'leaderworkerset.x-k8s.io/LeaderWorkerSet', 'cert-manager.io/Certificate', 'postgresql.cnpg.io/Cluster', 'postgresql.cnpg.io/ScheduledBackup']) {
      expect(crds.has(key), key).toBe(true);
    }
  });

  it('report a wrong field type, an unknown field, a missing required field and a missing CRD', () => {
    const ok = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' }, spec: { scaleTargetRef: { name: 'x' }, triggers: [{ type: 'prometheus', metadata: { query: 'q' } }] } };
    expect(validateCustomResource(crds, ok)).toEqual([]);
    expect(validateCustomResource(crds, { ...ok, spec: { ...ok.spec, minReplicaCount: 'one' } })).toEqual(['/spec/minReplicaCount: must be integer']);
    expect(validateCustomResource(crds, { ...ok, spec: { ...ok.spec, min_replica_count: 1 } })).toEqual(['/spec: must NOT have additional properties (min_replica_count)']);
    expect(validateCustomResource(crds, { ...ok, spec: { triggers: ok.spec.triggers } })).toEqual(["/spec: must have required property 'scaleTargetRef'"]);
    expect(validateCustomResource(crds, { apiVersion: 'keda.sh/v1alpha2', kind: 'ScaledObject' })[0]).toMatch(/has no version v1alpha2/);
    expect(validateCustomResource(crds, { apiVersion: 'example.com/v1', kind: 'Nope' })).toEqual([expect.stringMatching(/^no CRD for example\.com\/Nope in facts\/upstream\/crds\.json/)]);
  });

  it('accept int-or-string fields either way, and fill defaults before checking required fields', () => {
    const sm = (port: unknown) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x' }, spec: { selector: {}, endpoints: [{ targetPort: port }] } });
    expect(validateCustomResource(crds, sm(8000))).toEqual([]);
    expect(validateCustomResource(crds, sm('http'))).toEqual([]);
    expect(validateCustomResource(crds, sm(true))).not.toEqual([]);
  });

  it('the embedded-value check reports a wrong type at the CR field', () => {
    const storage = EMBEDDED.find((e) => e.values === 'cluster.instances')!;
    expect(embeddedErrors(storage, 'three')).toEqual(['cluster.instances -> Cluster.spec.instances/: must be integer']);
  });

  it.each(EMBEDDED.map((e) => [`${e.chart}: ${e.values} -> ${e.kind}.${e.field ?? '(one per item)'}`, e] as const))('%s: the template still copies it', (_l, e) => {
    const pin = Object.values(CHARTS).find((c) => c.chart === e.chart)!;
    // the template reads `.Values.<values>` (or a key below it)
    const path = e.values.split('.');
    expect(templateReads(pin.upstreamData, e.template).some((r) => path.every((p, i) => r[i] === p)), e.template).toBe(true);
    if (e.each) for (const k of Object.keys(e.each)) expect(excerpt(pin.upstreamData, e.template)).toContain(`.${k}`);
  });

  it('values.schema.json validation reports a wrong type', () => {
    const validate = valuesSchemaValidator(CHARTS.postgresCluster.upstreamData)!;
    expect(validate(coalesce(readYaml(CHARTS.postgresCluster.upstreamData), { cluster: { instances: 'three' } }))).toBe(false);
    expect(formatErrors(validate.errors)).toContain('/cluster/instances: must be integer');
  });
});

describe.each(SOURCES)('custom resources of %s', (source) => {
  const stacks = stacksOf(source);
  const manifests = Object.entries(stacks).flatMap(([stack, tf]) =>
    resourcesOf(tf, 'kubernetes_manifest').map((r) => [`${stack}: ${(r.manifest as { kind: string }).kind} ${(r.manifest as { metadata: { name: string } }).metadata.name}`, r.manifest as { apiVersion: string; kind: string }] as const),
  );
  const releases = Object.values(stacks).flatMap(helmReleases);

  it.runIf(manifests.length > 0).each(manifests)('%s validates against its CRD', (_label, manifest) => {
    // kubernetes_manifest takes the object as the API server sees it: camelCase keys, not the provider's snake_case
    expect(Object.keys(manifest)).toContain('apiVersion');
    expect(validateCustomResource(crds, manifest)).toEqual([]);
  });

  const embedded = releases.flatMap((r) =>
    EMBEDDED.filter((e) => e.chart === r.chart && at(releaseValues(r), e.values) !== undefined).map((e) => [`${r.name}: ${e.values} -> ${e.kind}`, e, at(releaseValues(r), e.values)] as const),
  );
  it.runIf(embedded.length > 0).each(embedded)('%s validates against the CRD field the chart copies it into', (_label, e, value) => {
    expect(embeddedErrors(e, value)).toEqual([]);
  });

  const schemaChecked = releases.filter((r) => r.chart in VALUES_SCHEMAS);
  it.runIf(schemaChecked.length > 0).each(schemaChecked.map((r) => [r.name, r] as const))('%s: values merged over the chart defaults validate against values.schema.json', (_label, r) => {
    const dir = folderOf(r);
    const merged = coalesce(readYaml(dir), releaseValues(r)) as Record<string, unknown>;
    const validate = valuesSchemaValidator(dir);
    expect(validate !== undefined, `${r.chart} ${r.version}: ships a values.schema.json`).toBe(VALUES_SCHEMAS[r.chart]!.own);
    if (validate) expect(validate(merged) ? [] : formatErrors(validate.errors)).toEqual([]);
    for (const [key, sub] of Object.entries(VALUES_SCHEMAS[r.chart]!.subcharts)) {
      const subValues = coalesce(readYaml(sub), { ...(merged[key] as object), global: merged.global });
      const validateSub = valuesSchemaValidator(sub);
      if (!validateSub) throw new Error(`${key} subchart: no values.schema.json in ${sub}`);
      expect(validateSub(subValues) ? [] : formatErrors(validateSub.errors), `${key} subchart`).toEqual([]);
    }
  });
});
