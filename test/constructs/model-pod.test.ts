import { describe, expect, it } from 'vitest';
import { GIB, modelPodTemplate, toProviderPodTemplate, type ModelPodProps } from '../../constructs/private/model-pod';

const base: ModelPodProps = {
  labels: { app: 'x' },
  image: 'vllm/vllm-openai:v0.27.1',
  args: ['model'],
  env: [{ name: 'HOME', value: '/home/inference' }],
  port: 8000,
  probes: { startup: { path: '/health', periodSeconds: 10, failureThreshold: 30 }, readiness: { path: '/v1/models', periodSeconds: 10, failureThreshold: 3 }, liveness: { periodSeconds: 30, failureThreshold: 5, timeoutSeconds: 10 } },
  gpus: 2,
  cpuRequest: '6',
  memoryBytes: 16 * GIB,
  shmBytes: 3 * GIB,
  pool: 'l4',
};

describe('the model pod', () => {
  it('counts /dev/shm in the memory limit and requests the GPUs of the pool resource', () => {
    const c = modelPodTemplate({ ...base, gpuResource: 'nvidia.com/mig-3g.20gb' }).spec!.containers[0]!;
    expect(c.resources).toEqual({
      requests: { cpu: '6', memory: '19Gi', 'ephemeral-storage': '4Gi', 'nvidia.com/mig-3g.20gb': '2' },
      limits: { memory: '19Gi', 'ephemeral-storage': '20Gi', 'nvidia.com/mig-3g.20gb': '2' },
    });
  });

  it('leaves the server\'s root file system writable (the writable volumes are for sized, non-root places), as its comment says', () => {
    const c = modelPodTemplate(base).spec!.containers[0]!;
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(c.securityContext!.readOnlyRootFilesystem).toBeUndefined();
    expect(c.volumeMounts!.map((m) => m.mountPath)).toEqual(expect.arrayContaining(['/cache', '/home/inference', '/tmp', '/dev/shm']));
  });

  it('has no GPU, node selector or toleration on CPU, and no probes when given none', () => {
    const spec = modelPodTemplate({ ...base, gpus: 0, pool: undefined, probes: undefined }).spec!;
    expect(Object.keys(spec.containers[0]!.resources!.limits!)).toEqual(['memory', 'ephemeral-storage']);
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.tolerations).toBeUndefined();
    expect(spec.containers[0]!.startupProbe).toBeUndefined();
  });

  it('renders the same pod for the provider: string IDs and ports, TCP checks as a list', () => {
    const api = modelPodTemplate(base);
    const provider = toProviderPodTemplate(api);
    expect(provider.spec?.securityContext).toMatchObject({ runAsUser: '2000', fsGroup: '2000' });
    const c = Array.isArray(provider.spec?.container) ? provider.spec.container[0] : undefined;
    expect(c?.readinessProbe?.httpGet).toEqual({ path: '/v1/models', port: '8000' });
    expect(c?.livenessProbe?.tcpSocket).toEqual([{ port: '8000' }]);
    expect(c?.port).toEqual([{ name: 'http', containerPort: 8000 }]);
  });

  it('refuses a field the provider rendering would drop', () => {
    const api = modelPodTemplate(base);
    expect(() => toProviderPodTemplate({ ...api, spec: { ...api.spec!, hostNetwork: true } })).toThrow('model pod: pod field(s) hostNetwork have no provider rendering in model-pod.ts');
    expect(() => toProviderPodTemplate({ ...api, spec: { ...api.spec!, containers: [{ ...api.spec!.containers[0]!, workingDir: '/' }] } })).toThrow(/container field\(s\) workingDir/);
    expect(() => toProviderPodTemplate({ ...api, spec: { ...api.spec!, volumes: [{ name: 'files', configMap: { name: 'x' } }] } })).toThrow(/volume files field\(s\) configMap/);
  });
});
