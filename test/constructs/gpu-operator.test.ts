import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../../charts/pins';
import { GPU_OPERATOR_COMPONENT_VERSIONS } from '../../charts/gpu-operator';
import { GPU_OPERATOR_POD_SECURITY, GpuOperator, type GpuOperatorProps } from '../../constructs/gpu-operator';
import { PodSecurityNamespace } from '../../constructs/pod-security-namespace';
import { Testing } from '../../lib/cdktf';
import { helmReleases, releaseValues, resourcesOf, type TfJson } from '../support/synth';

function synthOperator(props: Partial<GpuOperatorProps> = {}) {
  const text = Testing.synthScope((scope) => {
    new GpuOperator(scope, 'gpu-operator', { namespace: 'gpu-operator', versions: GPU_OPERATOR_COMPONENT_VERSIONS, pools: [], ...props });
  });
  const tf = JSON.parse(text) as TfJson;
  const [release] = helmReleases(tf);
  return { tf, release: release!, values: releaseValues(release!) as Record<string, any> };
}

describe('GpuOperator', () => {
  it('installs the pinned chart with the release safety settings', () => {
    const { release } = synthOperator();
    expect(release).toMatchObject({
      chart: 'gpu-operator',
      repository: CHARTS.gpuOperator.repository,
      version: 'v26.7.0',
      atomic: true,
      cleanup_on_fail: true,
      wait: true,
      max_history: 5,
      create_namespace: false,
    });
    expect(release.timeout).toBeGreaterThanOrEqual(600);
    expect(Testing.toHaveResourceWithProperties(JSON.stringify(synthOperator().tf), 'helm_release', { chart: 'gpu-operator', namespace: 'gpu-operator', version: CHARTS.gpuOperator.version })).toBe(true);
    expect(release.namespace).toBe('gpu-operator');
  });

  it('declares the privileged namespace it needs, with the reason; the namespaces stack creates it', () => {
    const { tf, release } = synthOperator({ namespace: 'gpu-ops' });
    expect(release.namespace).toBe('gpu-ops');
    expect(resourcesOf(tf, 'kubernetes_namespace_v1')).toEqual([]);
    expect(GPU_OPERATOR_POD_SECURITY.exceptionReason).toMatch(/kernel modules/);
    const ns = Testing.synthScope((s) => new PodSecurityNamespace(s, 'ns', { name: 'gpu-ops', role: 'platform', ...GPU_OPERATOR_POD_SECURITY }));
    expect(Testing.toHaveResourceWithProperties(ns, 'kubernetes_namespace_v1', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } })).toBe(true);
  });

  it('pins driver, toolkit, device plugin, DCGM exporter and MIG manager; upgrades drivers one node at a time', () => {
    const { values } = synthOperator({ versions: { ...GPU_OPERATOR_COMPONENT_VERSIONS, driver: '580.95.05' } });
    expect(values.driver.version).toBe('580.95.05');
    expect(values.toolkit.version).toBe(GPU_OPERATOR_COMPONENT_VERSIONS.toolkit);
    expect(values.devicePlugin.version).toBe(GPU_OPERATOR_COMPONENT_VERSIONS.devicePlugin);
    expect(values.dcgmExporter.version).toBe(GPU_OPERATOR_COMPONENT_VERSIONS.dcgmExporter);
    expect(values.migManager.version).toBe(GPU_OPERATOR_COMPONENT_VERSIONS.migManager);
    expect(values.driver.upgradePolicy).toEqual({ autoUpgrade: true, maxParallelUpgrades: 1, maxUnavailable: 1 });
    expect(values.dcgmExporter.serviceMonitor.enabled).toBe(true);
  });

  it('writes one time-slicing config per sharing pool, plus a default for the others', () => {
    const { values } = synthOperator({
      pools: [
        { name: 'whole', sharing: { mode: 'none' } },
        { name: 'shared', sharing: { mode: 'time-slicing', replicas: 4 } },
      ],
    });
    const config = values.devicePlugin.config;
    expect(config).toMatchObject({ create: true, name: 'device-plugin-sharing', default: 'default' });
    expect(Object.keys(config.data)).toEqual(['default', 'shared']);
    expect(parse(config.data.shared)).toEqual({
      version: 'v1',
      flags: { migStrategy: 'none' },
      sharing: { timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: [{ name: 'nvidia.com/gpu', replicas: 4 }] } },
    });
    expect(parse(config.data.default)).toEqual({ version: 'v1', flags: { migStrategy: 'none' } });
  });

  it('leaves the device plugin config alone when no pool time-slices', () => {
    expect(synthOperator({ pools: [{ name: 'p', sharing: { mode: 'none' } }] }).values.devicePlugin.config).toBeUndefined();
  });

  it('uses MIG strategy single for uniform profiles and mixed for the balanced one', () => {
    expect(synthOperator({ pools: [{ name: 'm', sharing: { mode: 'mig', profile: '1g.10gb' } }] }).values.mig.strategy).toBe('single');
    expect(synthOperator({ pools: [{ name: 'm', sharing: { mode: 'mig', profile: 'balanced' } }] }).values.mig.strategy).toBe('mixed');
  });

  it('turns on NVIDIADriver resources only when a pool pins its own driver and the operator installs drivers', () => {
    const pinned = [{ name: 'p', sharing: { mode: 'none' } as const, driverVersion: '580.95.05' }];
    expect(synthOperator({ pools: pinned }).values.driver.nvidiaDriverCRD).toEqual({ enabled: true, deployDefaultCR: true });
    expect(synthOperator({ pools: [{ name: 'p', sharing: { mode: 'none' } }] }).values.driver.nvidiaDriverCRD.enabled).toBe(false);
    expect(synthOperator({ pools: pinned, driverEnabled: false }).values.driver).toMatchObject({ enabled: false, nvidiaDriverCRD: { enabled: false } });
  });
});
