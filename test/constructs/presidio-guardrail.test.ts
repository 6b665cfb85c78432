/**
 * PresidioGuardrail alone (restricted pods, probes, volumes, Services), and as the prod preset deploys it: in its
 * own namespace, which admits exactly the gateway's pods on Presidio's port.
 */
import { describe, expect, it } from 'vitest';
import { PRESIDIO_IMAGES, PRESIDIO_PORT, PRESIDIO_UID } from '../../catalog/presidio';
import { PresidioGuardrail } from '../../constructs/presidio-guardrail';
import { imageList } from '../../bin/commands/images';
import { resourcesIn, synthScope } from '../support/construct';
import { resourcesOf, stacksOf } from '../support/synth';
import { readFacts } from '../support/upstream';

const facts = readFacts<{ container: { port: number }; images: Record<string, { image: string; tags: string[] }>; endpoints: Record<string, Array<{ path: string }>> }>('flags/presidio-2.2.363.json');
const images = readFacts<{ images: Record<string, { uid: number; writablePaths: Array<{ path: string }> }> }>('images.json').images;

describe('PresidioGuardrail', () => {
  const json = synthScope((s) => new PresidioGuardrail(s, 'presidio', { namespace: 'guardrails', replicas: 2 }));
  const deployments = resourcesIn(json, 'kubernetes_deployment_v1');

  it('runs the analyzer and the anonymizer at the pinned release tag, on the port the images listen on', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['presidio-analyzer', 'presidio-anonymizer']);
    for (const d of deployments) {
      const role = d.metadata.name as 'presidio-analyzer' | 'presidio-anonymizer';
      const c = d.spec.template.spec.container[0];
      const upstream = facts.images[role]!;
      expect(c.image).toBe(`${upstream.image}:${PRESIDIO_IMAGES[role === 'presidio-analyzer' ? 'analyzer' : 'anonymizer'].tag}`);
      expect(upstream.tags).toContain(c.image.split(':')[1]);
      expect(c.image).not.toMatch(/:latest$/);
      expect(c.port).toEqual([{ name: 'http', container_port: facts.container.port }]);
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'PORT', value: String(facts.container.port) }]));
    }
  });

  it('runs restricted: UID 1001 as the images, read-only root with every path the images write as an emptyDir', () => {
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const c = pod.container[0];
      const upstream = images[`${c.image}`]!;
      expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: String(upstream.uid), seccomp_profile: { type: 'RuntimeDefault' } });
      expect(c.security_context).toMatchObject({ allow_privilege_escalation: false, read_only_root_filesystem: true, run_as_non_root: true, run_as_user: String(PRESIDIO_UID), capabilities: { drop: ['ALL'] } });
      expect(c.security_context.capabilities.add).toBeUndefined();
      expect(pod.automount_service_account_token).toBe(false);
      const mounts = c.volume_mount.map((m: { mount_path: string }) => m.mount_path);
      for (const w of upstream.writablePaths) expect(mounts, w.path).toContain(w.path.replace(/ \(HOME\)$/, ''));
      const volumes = Object.fromEntries(pod.volume.map((v: { name: string; empty_dir: unknown }) => [v.name, v.empty_dir]));
      for (const m of c.volume_mount) expect(volumes[m.name], m.name).toBeDefined();
      expect(c.resources.requests).toHaveProperty('ephemeral-storage');
      expect(c.resources.limits).toHaveProperty('memory');
    }
  });

  it('probes the /health endpoint both services serve, with room for the analyzer to load its model', () => {
    for (const d of deployments) {
      const c = d.spec.template.spec.container[0];
      const role = d.metadata.name as string;
      expect(facts.endpoints[role]!.map((e) => e.path)).toContain('/health');
      for (const probe of ['startup_probe', 'readiness_probe', 'liveness_probe']) expect(c[probe].http_get).toEqual({ path: '/health', port: String(PRESIDIO_PORT) });
    }
    const analyzer = deployments.find((d) => d.metadata.name === 'presidio-analyzer')!.spec.template.spec.container[0];
    expect(analyzer.startup_probe.period_seconds * analyzer.startup_probe.failure_threshold).toBeGreaterThanOrEqual(300);
  });

  it('gives each a ClusterIP Service and, with 2 replicas, a PDB and a spread over nodes', () => {
    const services = resourcesIn(json, 'kubernetes_service_v1');
    expect(services.map((s) => [s.metadata.name, s.spec.type, s.spec.port[0].port, s.spec.selector])).toEqual([
      ['presidio-analyzer', 'ClusterIP', PRESIDIO_PORT, { 'app.kubernetes.io/name': 'presidio-analyzer' }],
      ['presidio-anonymizer', 'ClusterIP', PRESIDIO_PORT, { 'app.kubernetes.io/name': 'presidio-anonymizer' }],
    ]);
    expect(resourcesIn(json, 'kubernetes_pod_disruption_budget_v1')).toHaveLength(2);
    for (const d of deployments) expect(d.spec.template.spec.topology_spread_constraint[0].topology_key).toBe('kubernetes.io/hostname');
  });

  it('fails when replicas is below 1', () => {
    expect(() => synthScope((s) => new PresidioGuardrail(s, 'p', { namespace: 'guardrails', replicas: 0 }))).toThrow(/props\.replicas: 0 is not a replica count; use a whole number of at least 1/);
  });
});

describe('Presidio in the prod preset', () => {
  const tf = stacksOf('prod')['prod-gateway']!;
  const policies = resourcesOf(tf, 'kubernetes_network_policy_v1') as any[];
  const inGuardrails = policies.filter((p) => p.metadata.namespace === 'guardrails');
  const deployments = (resourcesOf(tf, 'kubernetes_deployment_v1') as any[]).filter((d) => d.metadata.namespace === 'guardrails');

  it('runs in its own namespace, restricted, which the namespaces stack creates', () => {
    expect(deployments).toHaveLength(2);
    const ns = (resourcesOf(stacksOf('prod')['prod-namespaces']!, 'kubernetes_namespace_v1') as any[]).find((n) => n.metadata.name === 'guardrails');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('denies all ingress to the namespace, then lets exactly the gateway pods through to Presidio on its port', () => {
    expect(inGuardrails.map((p) => p.metadata.name).sort()).toEqual(['allow-gateway', 'default-deny-ingress']);
    const deny = inGuardrails.find((p) => p.metadata.name === 'default-deny-ingress');
    expect(deny.spec).toEqual({ pod_selector: {}, policy_types: ['Ingress'] });
    const allow = inGuardrails.find((p) => p.metadata.name === 'allow-gateway');
    expect(allow.spec.ingress).toEqual([
      {
        from: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'gateway' } }, pod_selector: { match_labels: { 'app.kubernetes.io/name': 'litellm' } } }],
        ports: [{ port: String(PRESIDIO_PORT), protocol: 'TCP' }],
      },
    ]);
    // The selected pods are exactly the two Presidio Deployments' pods.
    const selector = allow.spec.pod_selector.match_labels as Record<string, string>;
    const selected = (labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(deployments.filter((d) => selected(d.spec.template.metadata.labels))).toHaveLength(2);
    // The labels it admits are the gateway pods' (as the models namespace admits them).
    const models = (resourcesOf(stacksOf('prod')['prod-models']!, 'kubernetes_network_policy_v1') as any[]).find((p) => p.metadata.name === 'allow-gateway');
    expect(allow.spec.ingress[0].from).toEqual(models.spec.ingress[0].from);
  });

  it('lists both images for mirroring (inference-stack images)', () => {
    const { images: list } = imageList('prod', stacksOf('prod'));
    for (const pin of Object.values(PRESIDIO_IMAGES)) expect(list).toContain(`${pin.repository}:${pin.tag}`);
  });

  it('is what the gateway calls: PRESIDIO_*_API_BASE name the Services, on their port', () => {
    const release = (resourcesOf(tf, 'helm_release') as any[]).find((r) => r.chart === 'litellm-helm');
    const text = release.values.join('\n');
    const services = (resourcesOf(tf, 'kubernetes_service_v1') as any[]).filter((s) => s.metadata.namespace === 'guardrails');
    for (const s of services) {
      const env = s.metadata.name === 'presidio-analyzer' ? 'PRESIDIO_ANALYZER_API_BASE' : 'PRESIDIO_ANONYMIZER_API_BASE';
      expect(text).toContain(`name: ${env}\n    value: http://${s.metadata.name}.guardrails.svc.cluster.local:${s.spec.port[0].port}`);
    }
  });
});
