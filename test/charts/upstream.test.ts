import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { GPU_OPERATOR_COMPONENT_VERSIONS, gpuOperatorValues } from '../../charts/gpu-operator';
import { toValuesYaml } from '../../lib/values-yaml';
import { PRESETS, fixtureEnv, helmReleases, presetEnv, releaseValues, synthEnvJson } from '../support/synth';
import { PodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import { ResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import { SecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { COMMENTED_KEYS, FREE_FORM_VALUES, K8S_TYPED_VALUES, chartFacts, unknownValueKeys, upstreamValues, withCommentedKeys } from '../support/upstream';

const K8S_MODELS = { PodSecurityContext, SecurityContext, ResourceRequirements };
const validateK8s = (kind: keyof typeof K8S_MODELS, value: unknown) => (new K8S_MODELS[kind](value as never) as unknown as { validate(): void }).validate();

describe('chart pins', () => {
  it.each(Object.entries(CHARTS))('%s has upstream data for its pinned version, and the same name', (_key, chart) => {
    const facts = chartFacts(chart.upstreamData);
    expect(Object.keys(facts.values).length).toBeGreaterThan(0);
    const source = facts._source as { chart: string; chart_version?: string; chart_version_published?: string };
    expect(source.chart).toBe(chart.chart);
    // litellm-helm's data has no release number (see its _source.json); every other chart's is the pinned one
    if (!chart.upstreamData.includes('/git-')) expect(source.chart_version ?? source.chart_version_published).toBe(chart.version);
  });

  it('pins exact versions, never a range', () => {
    for (const chart of Object.values(CHARTS)) expect(chart.version).toMatch(/^v?\d+\.\d+\.\d+$/);
  });
});

describe('the Kubernetes schema check of verbatim values', () => {
  it('catches a wrongly typed security context field', () => {
    expect(() => validateK8s('SecurityContext', { runAsNonRoot: 'yes' })).toThrow();
    expect(() => validateK8s('PodSecurityContext', { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } })).not.toThrow();
  });
});

describe('keys documented only in comments', () => {
  it.each(Object.entries(COMMENTED_KEYS))('%s: each is in a comment of the pinned values.yaml', (chartName, paths) => {
    const chart = Object.values(CHARTS).find((c) => c.chart === chartName)!;
    // facts: the key names of `# key:` comment lines in the pinned values.yaml
    for (const path of paths) expect(chartFacts(chart.upstreamData).commentedKeys, path).toContain(path.split('.').at(-1));
  });
});

describe('GPU Operator values', () => {
  const upstream = upstreamValues(CHARTS.gpuOperator.upstreamData);

  it('pins the component versions the pinned chart ships with (a chart bump must revisit them)', () => {
    const at = (path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], upstream);
    expect(GPU_OPERATOR_COMPONENT_VERSIONS).toEqual({
      driver: at('driver.version'),
      toolkit: at('toolkit.version'),
      devicePlugin: at('devicePlugin.version'),
      dcgmExporter: at('dcgmExporter.version'),
      migManager: at('migManager.version'),
    });
  });

  it('sets only keys that exist upstream, with every option turned on', () => {
    // GIVEN the values builder with every branch taken (per-pool drivers, MIG, time-slicing)
    const values = gpuOperatorValues({
      versions: GPU_OPERATOR_COMPONENT_VERSIONS,
      driverEnabled: true,
      driverPerPool: true,
      maxParallelDriverUpgrades: 1,
      migStrategy: 'mixed',
      timeSlicing: [{ name: 'shared', timeSlicingReplicas: 4 }],
      dcgmServiceMonitor: true,
    });
    expect(unknownValueKeys(values, upstream)).toEqual([]);
  });

  it('the key check itself catches a key upstream does not have', () => {
    expect(unknownValueKeys({ driver: { versoin: '1' }, nope: 1, devicePlugin: { config: { data: { any: 'x' } } } }, upstream)).toEqual([
      'driver.versoin',
      'nope',
    ]);
  });
});

describe.each([...PRESETS, 'fixture:multi-node', 'fixture:all-engines'])('every Helm release of %s', (preset) => {
  const stacks = synthEnvJson(preset.startsWith('fixture:') ? fixtureEnv(preset.slice(8)) : presetEnv(preset));
  const releases = Object.values(stacks).flatMap(helmReleases);

  it('installs a catalogued chart at its pinned version, with values keys that exist upstream', () => {
    expect(releases.length).toBeGreaterThan(0);
    for (const r of releases) {
      const chart = Object.values(CHARTS).find((c) => c.chart === r.chart && c.repository === r.repository);
      expect(chart, `chart ${r.chart} from ${r.repository} is not in the catalogue`).toBeDefined();
      expect(r.version).toBe(chart!.version);
      const upstream = withCommentedKeys(r.chart, upstreamValues(chart!.upstreamData));
      const values = releaseValues(r);
      expect(unknownValueKeys(values, upstream, '', FREE_FORM_VALUES[r.chart] ?? []), r.name).toEqual([]);
      for (const [key, kind] of Object.entries(K8S_TYPED_VALUES[r.chart] ?? {})) {
        if (values[key] !== undefined) expect(() => validateK8s(kind, values[key]), `${r.name}: ${key}`).not.toThrow();
      }
    }
  });

  it('renders values as YAML with sorted keys at every level', () => {
    for (const r of releases) {
      for (const text of r.values) expect(text).toBe(toValuesYaml(parse(text) as object));
    }
  });
});
