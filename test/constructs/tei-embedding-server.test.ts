import { describe, expect, it } from 'vitest';
import { TEI_METRICS_PORT, TEI_PORT, TeiEmbeddingServer, type TeiEmbeddingServerProps } from '../../constructs/tei-embedding-server';
import { synthConstruct } from '../support/scope';
import { statefulSetOf } from '../support/servers';

const base: TeiEmbeddingServerProps = { name: 'bge', namespace: 'models', model: 'BAAI/bge-base-en-v1.5', replicas: 1, parameters: 110e6 };
const synth = (props: TeiEmbeddingServerProps) => statefulSetOf(synthConstruct((scope) => new TeiEmbeddingServer(scope, 'embedding', props)).resources);

describe('TeiEmbeddingServer', () => {
  it('runs on CPU without a pool: the CPU image, no GPU, no node selector', () => {
    const s = synth(base);
    const pod = s.spec.template.spec;
    const c = pod.container[0];
    expect(c.image).toMatch(/text-embeddings-inference:cpu-/);
    expect(Object.keys(c.resources.limits)).not.toContain('nvidia.com/gpu');
    expect(c.resources.requests.cpu).toBe('4');
    expect(pod.node_selector).toBeUndefined();
    expect(pod.toleration).toBeUndefined();
    expect(s.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'embedding-server', 'inference-stack.io/engine': 'tei' });
    expect(c.port).toEqual([{ name: 'http', container_port: TEI_PORT }, { name: 'metrics', container_port: TEI_METRICS_PORT }]);
  });

  it('runs on a GPU pool with the image for its architecture and one GPU of the pool resource', () => {
    const c0 = synth({ ...base, pool: 'l4', computeCapability: 8.9, gpuResource: 'nvidia.com/mig-1g.10gb' });
    const c = c0.spec.template.spec.container[0];
    expect(c.image).toMatch(/text-embeddings-inference:89-/);
    expect(c.resources.limits['nvidia.com/mig-1g.10gb']).toBe('1');
    expect(c0.spec.template.spec.node_selector).toEqual({ 'inference-stack.io/pool': 'l4' });
  });

  it('refuses two replicas on one node when the spread is required (prod), only tries otherwise', () => {
    expect(synth({ ...base, replicas: 2, spreadRequired: true }).spec.template.spec.topology_spread_constraint[0].when_unsatisfiable).toBe('DoNotSchedule');
    expect(synth({ ...base, replicas: 2 }).spec.template.spec.topology_spread_constraint[0].when_unsatisfiable).toBe('ScheduleAnyway');
  });

  it('passes the revision and the served name as router flags', () => {
    const args: string[] = synth({ ...base, revision: 'abc123' }).spec.template.spec.container[0].args;
    expect(args.slice(0, 6)).toEqual(['--model-id', 'BAAI/bge-base-en-v1.5', '--revision', 'abc123', '--served-model-name', 'bge']);
  });
});
