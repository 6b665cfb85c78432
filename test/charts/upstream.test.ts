import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/catalogue';
import { GPU_OPERATOR_COMPONENT_VERSIONS, gpuOperatorValues } from '../../charts/gpu-operator';
import { toValuesYaml } from '../../charts/values-yaml';
import { UPSTREAM } from '../support/paths';
import { PRESETS, helmReleases, presetEnv, releaseValues, synthEnvJson } from '../support/synth';
import { FREE_FORM_VALUES, unknownValueKeys, upstreamValues } from '../support/upstream';

describe('chart catalogue', () => {
  it.each(Object.entries(CHARTS))('%s has upstream data for its pinned version, and the same name', (_key, chart) => {
    const dir = join(UPSTREAM, 'charts', chart.upstreamData);
    expect(existsSync(join(dir, 'values.yaml'))).toBe(true);
    const source = JSON.parse(readFileSync(join(dir, '_source.json'), 'utf8')) as { chart: string; chart_version: string };
    expect(source.chart).toBe(chart.chart);
    // litellm-helm's data has no release number (see its _source.json); every other chart's is the pinned one
    if (!chart.upstreamData.includes('/git-')) expect(source.chart_version).toBe(chart.version);
  });

  it('pins exact versions, never a range', () => {
    for (const chart of Object.values(CHARTS)) expect(chart.version).toMatch(/^v?\d+\.\d+\.\d+$/);
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

describe.each(PRESETS)('every Helm release of the %s preset', (preset) => {
  const stacks = synthEnvJson(presetEnv(preset));
  const releases = Object.values(stacks).flatMap(helmReleases);

  it('installs a catalogued chart at its pinned version, with values keys that exist upstream', () => {
    expect(releases.length).toBeGreaterThan(0);
    for (const r of releases) {
      const chart = Object.values(CHARTS).find((c) => c.chart === r.chart && c.repository === r.repository);
      expect(chart, `chart ${r.chart} from ${r.repository} is not in the catalogue`).toBeDefined();
      expect(r.version).toBe(chart!.version);
      expect(unknownValueKeys(releaseValues(r), upstreamValues(chart!.upstreamData), '', FREE_FORM_VALUES[r.chart] ?? []), r.name).toEqual([]);
    }
  });

  it('renders values as YAML with sorted keys at every level', () => {
    for (const r of releases) {
      for (const text of r.values) expect(text).toBe(toValuesYaml(parse(text) as object));
    }
  });
});
