import { describe, expect, it } from 'vitest';
import { ScrapeTarget, type ScrapeTargetProps } from '../../constructs/scrape-target';
import { loadCrds, validateCustomResource } from '../support/crds';
import { expectResource, resourcesIn, synthScope } from '../support/construct';

const crds = loadCrds();
const synth = (p: ScrapeTargetProps) => synthScope((s) => new ScrapeTarget(s, 'target', p));
const manifestOf = (json: string) => resourcesIn(json, 'kubernetes_manifest')[0]!.manifest;

describe('ScrapeTarget', () => {
  it('writes a ServiceMonitor with endpoints by port name, a 30s default interval, valid against the CRD', () => {
    const json = synth({ kind: 'ServiceMonitor', name: 'gateway', namespace: 'gateway', matchLabels: { app: 'litellm' }, endpoints: [{ port: 'http', path: '/metrics/' }] });
    expectResource(json, 'kubernetes_manifest', {
      manifest: {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'gateway', namespace: 'gateway' },
        spec: { selector: { matchLabels: { app: 'litellm' } }, endpoints: [{ port: 'http', path: '/metrics/', interval: '30s' }] },
      },
    });
    expect(validateCustomResource(crds, manifestOf(json))).toEqual([]);
  });

  it('writes a PodMonitor with podMetricsEndpoints, match expressions, a bearer token from a Secret and honorLabels', () => {
    const json = synth({
      kind: 'PodMonitor',
      name: 'servers',
      namespace: 'models',
      matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['vllm', 'tgi'] }, { key: 'skip', operator: 'DoesNotExist' }],
      endpoints: [{ port: 'http', path: '/metrics', bearerSecret: { name: 'metrics-token', key: 'token' }, honorLabels: true }],
      interval: '15s',
    });
    const m = manifestOf(json);
    expect(m.kind).toBe('PodMonitor');
    expect(m.spec.endpoints).toBeUndefined();
    expect(m.spec.podMetricsEndpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s', honorLabels: true, authorization: { type: 'Bearer', credentials: { name: 'metrics-token', key: 'token' } } }]);
    expect(m.spec.selector).toEqual({ matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['vllm', 'tgi'] }, { key: 'skip', operator: 'DoesNotExist' }] });
    expect(validateCustomResource(crds, m)).toEqual([]);
  });

  it('scrapes a port by number where the Service port has no name of ours', () => {
    const m = manifestOf(synth({ kind: 'ServiceMonitor', name: 'qdrant', namespace: 'rag', matchLabels: { app: 'qdrant' }, endpoints: [{ targetPort: 6333, path: '/metrics' }] }));
    expect(m.spec.endpoints).toEqual([{ targetPort: 6333, path: '/metrics', interval: '30s' }]);
    expect(validateCustomResource(crds, m)).toEqual([]);
  });

  it('fails the CRD check when an endpoint names its port wrongly typed (the check itself can fail)', () => {
    const m = manifestOf(synth({ kind: 'ServiceMonitor', name: 'x', namespace: 'x', matchLabels: { a: 'b' }, endpoints: [{ port: 'http', path: '/metrics' }] }));
    expect(validateCustomResource(crds, { ...m, spec: { ...m.spec, endpoints: [{ port: 8080, path: '/metrics' }] } })).not.toEqual([]);
  });
});
