import { createHash } from 'node:crypto';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The model's schema check (its base class's types do not resolve under this project's CommonJS settings). */
const validate = (m: object) => (new Certificate(m as never) as unknown as { validate(): void }).validate();
import { helmReleases, presetEnv, resourcesOf, synthEnvJson } from '../support/synth';
import { readFacts } from '../support/upstream';

function edgeOf(preset: string) {
  const stacks = synthEnvJson(presetEnv(preset));
  const tf = stacks[`${preset}-edge`]!;
  const [cm] = resourcesOf(tf, 'kubernetes_config_map_v1') as any[];
  const [deployment] = resourcesOf(tf, 'kubernetes_deployment_v1') as any[];
  const services = Object.fromEntries((resourcesOf(tf, 'kubernetes_service_v1') as any[]).map((s) => [s.metadata.name, s.spec]));
  return { stacks, tf, config: JSON.parse(cm.data['caddy.json']), configText: cm.data['caddy.json'] as string, deployment, pod: deployment.spec.template.spec, services };
}

describe('prod edge: TLS from a Secret, mTLS on', () => {
  const { tf, config, configText, deployment, pod, services } = edgeOf('prod');

  it('requires and verifies client certificates from the mounted CA bundle, TLS 1.2 at least', () => {
    expect(config.apps.http.servers.edge.tls_connection_policies).toEqual([
      { certificate_selection: { any_tag: ['edge'] }, client_authentication: { mode: 'require_and_verify', trusted_ca_certs_pem_files: ['/etc/caddy/client-ca/ca.crt'] }, protocol_min: 'tls1.2' },
    ]);
    expect(pod.volume).toContainEqual({ name: 'client-ca', secret: { secret_name: 'client-ca' } });
    expect(pod.volume).toContainEqual({ name: 'tls', secret: { secret_name: 'edge-tls' } });
    expect(configText).not.toContain('insecure_skip_verify');
  });

  it('proxies the environment host to the gateway Service, with JSON logs', () => {
    expect(config.apps.http.servers.edge.routes).toEqual([
      { match: [{ host: ['llm.example.com'] }], handle: [expect.objectContaining({ handler: 'reverse_proxy', upstreams: [{ dial: 'litellm.gateway.svc.cluster.local:4000' }] })], terminal: true },
    ]);
    expect(config.logging.logs.default.encoder.format).toBe('json');
    expect(config.apps.http.servers.edge.listen).toEqual([':8443']);
  });

  it('is the one way in: a LoadBalancer on 443, the internal port on a ClusterIP Service', () => {
    expect(services.edge).toMatchObject({ type: 'LoadBalancer', external_traffic_policy: 'Local', port: [{ name: 'https', port: 443, target_port: 'https', protocol: 'TCP' }] });
    expect(services['edge-internal']).toMatchObject({ type: 'ClusterIP', port: [{ port: 9180 }] });
    const policies = (resourcesOf(tf, 'kubernetes_network_policy_v1') as any[]).map((p) => p.metadata.name).sort();
    expect(policies).toEqual(['allow-clients', 'allow-monitoring', 'default-deny-ingress']);
  });

  it('runs two non-root replicas spread over nodes, read-only, with a PDB and a config checksum', () => {
    expect(deployment.spec.replicas).toBe('2');
    expect(pod.topology_spread_constraint[0]).toMatchObject({ topology_key: 'kubernetes.io/hostname', when_unsatisfiable: 'DoNotSchedule' });
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: '65532', seccomp_profile: { type: 'RuntimeDefault' } });
    expect(pod.container[0].security_context).toMatchObject({ read_only_root_filesystem: true, allow_privilege_escalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } });
    expect(pod.container[0].image).toBe('caddy:2.11.4-alpine');
    expect(deployment.spec.template.metadata.annotations['inference-stack.io/config-sha256']).toBe(createHash('sha256').update(configText).digest('hex'));
    expect(resourcesOf(tf, 'kubernetes_pod_disruption_budget_v1')).toHaveLength(1);
    expect(pod.container[0].readiness_probe).not.toEqual(pod.container[0].liveness_probe);
  });
});

/** Image runtime facts (images.json, from shared/upstream): the capabilities the image's binaries carry as file capabilities. */
const IMAGE_FACTS = readFacts<{ images: Record<string, { fileCapabilities: Array<{ path: string; capabilities: string }> }> }>('images.json');
const fileCapabilities = (image: string) =>
  IMAGE_FACTS.images[image]!.fileCapabilities.flatMap((f) => f.capabilities.match(/cap_[a-z_]+/g) ?? []).map((c) => c.slice('cap_'.length).toUpperCase());

describe.each(['dev', 'staging', 'prod'])('%s edge: the image can start under Pod Security restricted', (preset) => {
  const { pod } = edgeOf(preset);

  it("adds back exactly the file capability of Caddy's binary (exec fails with EPERM without it), drops the rest", () => {
    for (const c of pod.container) {
      const caps = fileCapabilities(c.image);
      expect(caps, `${c.image} carries cap_net_bind_service=+ep`).toEqual(['NET_BIND_SERVICE']);
      expect(c.security_context.capabilities, c.name).toEqual({ drop: ['ALL'], add: caps });
      // restricted allows adding NET_BIND_SERVICE and nothing else
      expect(c.security_context.capabilities.add.filter((x: string) => x !== 'NET_BIND_SERVICE'), c.name).toEqual([]);
      expect(c.security_context).toMatchObject({ allow_privilege_escalation: false, read_only_root_filesystem: true, run_as_non_root: true });
    }
  });
});

describe.each(['staging', 'prod'])('%s edge: renewed certificates and rotated client CAs are loaded without a restart', (preset) => {
  const { config, pod } = edgeOf(preset);
  const caddy = pod.container.find((c: any) => c.name === 'caddy');
  const reload = pod.container.find((c: any) => c.name === 'reload');
  const env = Object.fromEntries((reload?.env ?? []).map((e: any) => [e.name, e.value]));
  /** The files Caddy reads once, at load: the certificate, its key and the client CA bundles. */
  const readAtLoad = [
    ...config.apps.tls.certificates.load_files.flatMap((f: any) => [f.certificate, f.key]),
    ...config.apps.http.servers.edge.tls_connection_policies.flatMap((p: any) => p.client_authentication?.trusted_ca_certs_pem_files ?? []),
  ];

  it('runs a reload sidecar from the same image that watches exactly the files Caddy reads at load', () => {
    expect(reload, 'a reload container').toBeDefined();
    expect(reload.image).toBe(caddy.image);
    expect(env.RELOAD_WATCH.split(' ').sort()).toEqual([...readAtLoad].sort());
    expect(env.RELOAD_CONFIG).toBe(`${caddy.volume_mount.find((m: any) => m.name === 'config').mount_path}/caddy.json`);
    expect(Number(env.RELOAD_INTERVAL_SECONDS)).toBeLessThanOrEqual(60);
  });

  it('mounts the Secrets as whole volumes (the kubelet updates those in place, never a subPath)', () => {
    for (const file of readAtLoad) {
      for (const c of [caddy, reload]) {
        const mount = c.volume_mount.find((m: any) => file.startsWith(`${m.mount_path}/`));
        expect(mount, `${c.name}: ${file}`).toBeDefined();
        expect(mount.sub_path, `${c.name}: ${file}`).toBeUndefined();
        expect(pod.volume.find((v: any) => v.name === mount.name).secret, file).toBeDefined();
      }
    }
  });

  it("reaches Caddy's admin API only on a Unix socket in a pod-private emptyDir shared by the two containers", () => {
    const listen: string = config.admin.listen;
    expect(listen).toMatch(/^unix\//);
    const socket = listen.slice('unix/'.length);
    for (const c of [caddy, reload]) {
      const mount = c.volume_mount.find((m: any) => socket.startsWith(`${m.mount_path}/`));
      expect(mount, c.name).toBeDefined();
      expect(pod.volume.find((v: any) => v.name === mount.name).empty_dir, c.name).toBeDefined();
    }
    expect(JSON.stringify(config.admin)).not.toMatch(/:\d+/);
    expect(reload.readiness_probe).not.toEqual(reload.liveness_probe);
  });
});

describe('staging edge: a cert-manager certificate, no mTLS', () => {
  const { stacks, tf, config, pod } = edgeOf('staging');

  it('asks cert-manager for a certificate of the host names, valid against its schema', () => {
    const [cert] = resourcesOf(tf, 'kubernetes_manifest') as any[];
    const manifest = cert.manifest;
    expect(manifest.spec).toMatchObject({ secretName: 'edge-tls', dnsNames: ['llm.staging.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } });
    expect(() => validate(manifest)).not.toThrow();
    expect(pod.volume).toContainEqual({ name: 'tls', secret: { secret_name: 'edge-tls' } });
    expect(helmReleases(stacks['staging-platform']!).map((r) => r.chart)).toContain('cert-manager');
  });

  it('terminates TLS without client authentication', () => {
    expect(config.apps.http.servers.edge.tls_connection_policies[0].client_authentication).toBeUndefined();
  });

  it('the schema check itself catches a broken Certificate', () => {
    expect(() => validate({ metadata: { name: 'x' }, spec: { secretName: 'x', issuerRef: { name: 'y' }, dnsNames: 'not-a-list' } })).toThrow();
  });
});

describe('dev edge: plain HTTP inside the cluster', () => {
  const { config, services, stacks } = edgeOf('dev');

  it('has nothing to reload without TLS: no sidecar, no admin API', () => {
    const { pod, config } = edgeOf('dev');
    expect(pod.container.map((c: any) => c.name)).toEqual(['caddy']);
    expect(config.admin).toEqual({ disabled: true });
  });

  it('listens on 8080 without TLS, behind a ClusterIP Service on port 80', () => {
    expect(config.apps.http.servers.edge.listen).toEqual([':8080']);
    expect(config.apps.tls).toBeUndefined();
    expect(services.edge).toMatchObject({ type: 'ClusterIP', port: [{ name: 'http', port: 80 }] });
    expect(helmReleases(stacks['dev-platform']!).map((r) => r.chart)).not.toContain('cert-manager');
  });
});

it('says in the schema why a cert-manager issuer must use DNS-01, and that a Secret certificate has no expiry signal', () => {
  const schema = readFileSync(join(__dirname, '..', '..', 'environments', 'schema.json'), 'utf8');
  const descriptions = [...schema.matchAll(/"description":\s*"([^"]*)"/g)].map((m) => m[1]!);
  const issuer = descriptions.find((d) => d.includes('cert-manager issuer'));
  expect(issuer).toMatch(/DNS-01/);
  expect(issuer).toMatch(/HTTP-01 cannot work/);
  expect(descriptions.find((d) => d.includes('kubernetes.io/tls Secret'))).toMatch(/no expiry signal/);
});
