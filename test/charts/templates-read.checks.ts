/**
 * "Every Helm value we set is read by a template": a key that exists in upstream values.yaml can still be dead (a
 * template stopped reading it, or it belongs to a subchart that is not installed). For every helm_release of every
 * preset and fixture, every leaf key path of its values must be read, at the key or at a parent, by a template of
 * the pinned chart version (shared/upstream/charts/<chart>/<version>/templates, README.md "Using them in tests").
 */
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { type HelmReleaseJson, helmReleases, PRESETS, releaseValues, stacksOf } from '../support/synth';
import { FREE_FORM_VALUES, NO_TEMPLATES, chartReads, leafPaths, unreadValueKeys, valuesReads, type ChartReads } from '../support/upstream';

const SOURCES = [...PRESETS, 'fixture:multi-node', 'fixture:all-engines'] as const;

/** The upstream folder of a release: the catalogued chart with the same repository, name and version. */
function upstreamFolder(r: HelmReleaseJson): string {
  const chart = Object.values(CHARTS).find((c) => c.chart === r.chart && c.repository === r.repository && c.version === r.version);
  if (!chart) throw new Error(`${r.name}: ${r.repository} ${r.chart} ${r.version} is not a catalogued chart pin (charts/pins.ts)`);
  return chart.upstreamData;
}

const readsCache = new Map<string, ChartReads>();
const readsOf = (folder: string): ChartReads => readsCache.get(folder) ?? readsCache.set(folder, chartReads(folder)).get(folder)!;

/** Release values without the whole documents of other programs (LiteLLM's proxy_config), which are not chart keys. */
function chartKeys(r: HelmReleaseJson): Record<string, unknown> {
  const values = releaseValues(r);
  for (const key of FREE_FORM_VALUES[r.chart] ?? []) if (key === 'proxy_config') delete values[key];
  return values;
}

describe('the template read scan', () => {
  it('finds .Values, $.Values, index/hasKey with quoted keys, and variables bound to .Values', () => {
    const text = [
      '{{ toYaml .Values.resources | nindent 4 }}',
      '{{- with $.Values.prometheus.prometheusSpec }}{{ .retention }}{{ end }}',
      '{{ (index .Values "kube-state-metrics").kubeRBACProxy.enabled }}',
      '{{ index .Values "grafana.ini" "server" }}',
      '{{ if hasKey .Values "terminationGracePeriodSeconds" }}{{ end }}',
      '{{- $values := .Values -}}{{ $values.livenessProbe.enabled }}',
      '{{ include "x" (dict "Values" .Values) }}',
    ].join('\n');
    expect(valuesReads(text).map((p) => p.join('/')).sort()).toEqual(
      ['resources', 'prometheus/prometheusSpec', 'kube-state-metrics/kubeRBACProxy/enabled', 'grafana.ini/server', 'terminationGracePeriodSeconds', 'livenessProbe/enabled'].sort(),
    );
  });

  it('takes leaf paths with lists and empty maps as leaves', () => {
    expect(leafPaths({ a: { b: 1, c: [1, 2], d: {} }, e: null })).toEqual([['a', 'b'], ['a', 'c'], ['a', 'd'], ['e']]);
  });

  it('reports a made-up key at a real parent, in the chart and in a subchart', () => {
    // GIVEN real parents (qdrant's livenessProbe, kube-prometheus-stack's prometheusSpec and its grafana subchart)
    const qdrant = readsOf(CHARTS.qdrant.upstreamData);
    const kps = readsOf(CHARTS.kubePrometheusStack.upstreamData);
    // THEN only the made-up keys are reported
    expect(unreadValueKeys({ livenessProbe: { enabled: true, periodSecondz: 5 }, persistence: { size: '1Gi' } }, qdrant)).toEqual(['livenessProbe.periodSecondz']);
    expect(unreadValueKeys({ prometheus: { prometheusSpec: { retention: '1d', retentionn: '1d' } }, grafana: { sidecar: { dashboards: { label: 'x', labell: 'y' } } } }, kps)).toEqual([
      'prometheus.prometheusSpec.retentionn',
      'grafana.sidecar.dashboards.labell',
    ]);
  });

  it('counts a key under a subchart as read by the subchart templates, and global.* by any of them', () => {
    const gpu = readsOf(CHARTS.gpuOperator.upstreamData);
    expect(Object.keys(gpu.subcharts)).toEqual(['node-feature-discovery']);
    // the parent reads no `.Values.node-feature-discovery.worker.*`: the vendored subchart does
    expect(unreadValueKeys({ 'node-feature-discovery': { worker: { tolerations: [] } }, global: { imageRegistry: 'r' } }, gpu)).toEqual([]);
  });

  it('names the folder that would be needed when a subchart has no saved templates', () => {
    const kps = readsOf(CHARTS.kubePrometheusStack.upstreamData);
    expect(unreadValueKeys({ 'prometheus-windows-exporter': { foo: 1 } }, kps)).toEqual([
      'prometheus-windows-exporter.foo (subchart templates missing: charts/prometheus-windows-exporter/0.12.*/templates (not saved))',
    ]);
  });
});

describe('charts left out of the check', () => {
  it.each(Object.entries(NO_TEMPLATES))('%s: no templates saved, so its values are only checked against values.yaml (test/charts/upstream.test.ts)', (chart, why) => {
    const pin = Object.values(CHARTS).find((c) => c.chart === chart)!;
    expect(readsOf(pin.upstreamData).templateCount, why).toBe(0);
  });

  it('every other catalogued chart has templates saved', () => {
    for (const c of Object.values(CHARTS)) if (!(c.chart in NO_TEMPLATES)) expect(readsOf(c.upstreamData).templateCount, c.upstreamData).toBeGreaterThan(0);
  });
});

describe.each(SOURCES)('every Helm value %s sets', (source) => {
  const stacks = stacksOf(source);
  const releases = Object.values(stacks).flatMap(helmReleases);
  const checked = releases.filter((r) => !(r.chart in NO_TEMPLATES));

  it('has releases to check', () => {
    expect(checked.length).toBeGreaterThan(0);
  });

  it.each(checked.map((r) => [`${r.name} (${r.chart} ${r.version})`, r] as const))('%s: is read by a template of the pinned chart', (_label, r) => {
    const values = chartKeys(r);
    expect(leafPaths(values).length).toBeGreaterThan(0);
    expect(unreadValueKeys(values, readsOf(upstreamFolder(r)))).toEqual([]);
  });
});
