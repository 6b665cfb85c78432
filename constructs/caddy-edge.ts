import { createHash } from 'node:crypto';
import { CADDY_RELOAD_SCRIPT, caddyConfigText, caddyWatchedFiles, type CaddyConfigOptions } from './caddy-config';
import { restrictedContainerSecurity, restrictedPodSecurity, spreadOverNodes } from '../charts/pod-security';
import { IMAGES, imageRef, type ImagePin } from '../catalog/images';
import type { SecretKeyRef } from './llm-server-props';
import type { ICertificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { ConfigMapV1, DeploymentV1, Manifest, PodDisruptionBudgetV1, ServiceV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { terraformLiteralData } from '../lib/terraform-literal';

export type EdgeTls =
  | { readonly mode: 'none' }
  | { readonly mode: 'secret'; readonly secretName: string }
  | { readonly mode: 'cert-manager'; readonly issuer: { readonly kind: 'ClusterIssuer' | 'Issuer'; readonly name: string } };

export interface CaddyEdgeProps {
  readonly namespace: string;
  readonly replicas: number;
  /** The gateway, `host:port`. */
  readonly upstream: string;
  /** Host names to answer for (and to issue the certificate for); any when empty. */
  readonly hostnames: readonly string[];
  readonly service: {
    readonly type: 'LoadBalancer' | 'NodePort' | 'ClusterIP';
    readonly nodePort?: number;
    readonly annotations: Readonly<Record<string, string>>;
    readonly loadBalancerSourceRanges: readonly string[];
  };
  readonly tls: EdgeTls;
  /** With a client CA, clients must present a certificate it signed (mTLS, `require_and_verify`). @default - no client certificate asked */
  readonly clientCaSecret?: SecretKeyRef;
  /** @default - the pinned Caddy image */
  readonly image?: ImagePin;
}

export const EDGE_NAME = 'edge';
const TLS_PORT = 8443;
const PLAIN_PORT = 8080;
export const EDGE_INTERNAL_PORT = 9180;
const EDGE_UID = 65532;
/**
 * The image's /usr/bin/caddy carries the file capability `cap_net_bind_service=+ep` (caddy-docker 2.11/alpine
 * Dockerfile); with NET_BIND_SERVICE outside the bounding set, exec fails with EPERM (caddy-docker #396, #466),
 * even though we listen above 1024. Pod Security `restricted` allows adding exactly this one.
 */
const MOUNT = { config: '/etc/caddy/config', tls: '/etc/caddy/tls', clientCa: '/etc/caddy/client-ca', admin: '/run/caddy' } as const;
/** How often the reload sidecar checks the mounted certificate and CA files. */
export const RELOAD_INTERVAL_SECONDS = 30;

/**
 * The edge: Caddy in front of the gateway, terminating TLS (from a Secret or a cert-manager Certificate) and,
 * with a client CA, admitting only clients whose certificate it signed. JSON access logs; `/healthz` and
 * `/metrics` on an internal port; the public Service of the type the environment asks for.
 */
export class CaddyEdge extends Construct {
  readonly deployment: DeploymentV1;
  readonly service: ServiceV1;
  readonly metricsService: ServiceV1;
  readonly certificate?: Manifest;
  /** The TLS Secret the pods mount (the environment's, or the one cert-manager writes); absent without TLS. */
  readonly tlsSecretName?: string;
  /** The Caddy config, as mounted. */
  readonly configText: string;
  /** Files Caddy reads at load and the reload sidecar watches (certificate, key, client CAs). */
  readonly watchedFiles: readonly string[];
  readonly port: number;
  readonly podLabels = { 'app.kubernetes.io/name': EDGE_NAME } as const;

  constructor(scope: Construct, id: string, props: CaddyEdgeProps) {
    super(scope, id);
    const tls = props.tls.mode !== 'none';
    this.port = tls ? TLS_PORT : PLAIN_PORT;
    const tlsSecret = props.tls.mode === 'secret' ? props.tls.secretName : props.tls.mode === 'cert-manager' ? `${EDGE_NAME}-tls` : undefined;
    this.tlsSecretName = tlsSecret;
    const options: CaddyConfigOptions = {
      listen: `:${this.port}`,
      upstream: props.upstream,
      hostnames: props.hostnames,
      internalListen: `:${EDGE_INTERNAL_PORT}`,
      ...(tls
        ? {
            tls: {
              certFile: `${MOUNT.tls}/tls.crt`,
              keyFile: `${MOUNT.tls}/tls.key`,
              ...(props.clientCaSecret ? { clientCaFiles: [`${MOUNT.clientCa}/${props.clientCaSecret.key}`] } : {}),
            },
          }
        : {}),
    };
    // Caddy reads certificate and CA files once: a sidecar reloads it when they change (renewal, CA rotation).
    this.watchedFiles = caddyWatchedFiles(options);
    const reload = this.watchedFiles.length > 0;
    this.configText = caddyConfigText({ ...options, ...(reload ? { adminSocket: `${MOUNT.admin}/admin.sock` } : {}) });

    if (props.tls.mode === 'cert-manager') {
      const certificate: ICertificate = {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: `${EDGE_NAME}-tls`, namespace: props.namespace },
        spec: {
          secretName: `${EDGE_NAME}-tls`,
          dnsNames: [...props.hostnames],
          issuerRef: { group: 'cert-manager.io', kind: props.tls.issuer.kind, name: props.tls.issuer.name },
          privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        },
      };
      this.certificate = new Manifest(this, 'certificate', {
        // The Deployment mounts the Secret cert-manager writes: wait until the certificate is issued.
        wait: { condition: [{ type: 'Ready', status: 'True' }] },
        timeouts: { create: '15m', update: '15m' },
        manifest: certificate,
      });
    }

    const config = new ConfigMapV1(this, 'config', {
      metadata: { name: `${EDGE_NAME}-config`, namespace: props.namespace },
      data: terraformLiteralData({ 'caddy.json': this.configText }),
    });
    const labels = { ...this.podLabels, 'app.kubernetes.io/component': 'edge', 'app.kubernetes.io/managed-by': 'inference-stack' };
    const checksum = createHash('sha256').update(this.configText).digest('hex');
    const image = imageRef(props.image ?? IMAGES.caddy);
    // Caddy's binary carries the NET_BIND_SERVICE file capability: the one `restricted` lets a container keep.
    const containerSecurity = restrictedContainerSecurity({ readOnlyRootFilesystem: true, add: ['NET_BIND_SERVICE'], seccomp: false });
    // Count only nodes the pods may use: tainted GPU nodes are not empty domains.
    const spread = spreadOverNodes(this.podLabels, true);
    // Whole-volume mounts (never subPath): the kubelet updates them in place when the Secret changes.
    const secretMounts = [
      ...(tlsSecret ? [{ name: 'tls', mountPath: MOUNT.tls, readOnly: true }] : []),
      ...(props.clientCaSecret ? [{ name: 'client-ca', mountPath: MOUNT.clientCa, readOnly: true }] : []),
    ];

    this.deployment = new DeploymentV1(this, 'deployment', {
      dependsOn: this.certificate ? [this.certificate] : undefined,
      metadata: { name: EDGE_NAME, namespace: props.namespace, labels },
      spec: {
        replicas: String(props.replicas),
        selector: { matchLabels: { ...this.podLabels } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1', maxUnavailable: '0' } },
        template: {
          metadata: { labels, annotations: { 'inference-stack.io/config-sha256': checksum } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurity({ runAsUser: String(EDGE_UID), runAsGroup: String(EDGE_UID), fsGroup: String(EDGE_UID) }),
            ...(props.replicas > 1 ? { topologySpreadConstraint: [{ ...spread, labelSelector: [spread.labelSelector] }] } : {}),
            container: [
              {
                name: 'caddy',
                image,
                command: ['caddy', 'run', '--config', `${MOUNT.config}/caddy.json`],
                env: [
                  { name: 'XDG_CONFIG_HOME', value: '/config' },
                  { name: 'XDG_DATA_HOME', value: '/data' },
                ],
                port: [
                  { name: tls ? 'https' : 'http', containerPort: this.port },
                  { name: 'internal', containerPort: EDGE_INTERNAL_PORT },
                ],
                resources: {
                  requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
                  limits: { memory: '512Mi', 'ephemeral-storage': '256Mi' },
                },
                securityContext: containerSecurity,
                readinessProbe: { httpGet: { path: '/healthz', port: String(EDGE_INTERNAL_PORT) }, periodSeconds: 5, failureThreshold: 3 },
                livenessProbe: { tcpSocket: [{ port: String(this.port) }], periodSeconds: 20, failureThreshold: 3 },
                volumeMount: [
                  { name: 'config', mountPath: MOUNT.config, readOnly: true },
                  { name: 'caddy-config', mountPath: '/config' },
                  { name: 'caddy-data', mountPath: '/data' },
                  ...(reload ? [{ name: 'admin', mountPath: MOUNT.admin }] : []),
                  ...secretMounts,
                ],
              },
              ...(reload
                ? [
                    {
                      // Same pinned image (its caddy CLI and busybox sh), same restricted context.
                      name: 'reload',
                      image,
                      command: ['/bin/sh', '-c', CADDY_RELOAD_SCRIPT],
                      env: [
                        { name: 'RELOAD_CONFIG', value: `${MOUNT.config}/caddy.json` },
                        { name: 'RELOAD_WATCH', value: this.watchedFiles.join(' ') },
                        { name: 'RELOAD_INTERVAL_SECONDS', value: String(RELOAD_INTERVAL_SECONDS) },
                        { name: 'RELOAD_HEARTBEAT', value: `${MOUNT.admin}/reload.alive` },
                      ],
                      // Ready once Caddy's admin socket exists (a reload can reach it); alive while the loop turns.
                      readinessProbe: { exec: { command: ['/bin/sh', '-c', `test -S ${MOUNT.admin}/admin.sock`] }, periodSeconds: 10, failureThreshold: 3 },
                      livenessProbe: {
                        exec: { command: ['/bin/sh', '-c', `test -n "$(find ${MOUNT.admin}/reload.alive -mmin -${Math.ceil((RELOAD_INTERVAL_SECONDS * 4) / 60)})"`] },
                        initialDelaySeconds: RELOAD_INTERVAL_SECONDS,
                        periodSeconds: 60,
                        failureThreshold: 3,
                      },
                      resources: {
                        requests: { cpu: '10m', memory: '32Mi', 'ephemeral-storage': '16Mi' },
                        limits: { memory: '128Mi', 'ephemeral-storage': '64Mi' },
                      },
                      securityContext: containerSecurity,
                      volumeMount: [{ name: 'config', mountPath: MOUNT.config, readOnly: true }, { name: 'admin', mountPath: MOUNT.admin }, ...secretMounts],
                    },
                  ]
                : []),
            ],
            volume: [
              { name: 'config', configMap: { name: config.metadata.name } },
              { name: 'caddy-config', emptyDir: { sizeLimit: '16Mi' } },
              { name: 'caddy-data', emptyDir: { sizeLimit: '64Mi' } },
              ...(reload ? [{ name: 'admin', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }] : []),
              ...(tlsSecret ? [{ name: 'tls', secret: { secretName: tlsSecret } }] : []),
              ...(props.clientCaSecret ? [{ name: 'client-ca', secret: { secretName: props.clientCaSecret.name } }] : []),
            ],
          },
        },
      },
    });

    this.service = new ServiceV1(this, 'service', {
      metadata: { name: EDGE_NAME, namespace: props.namespace, labels, annotations: { ...props.service.annotations } },
      spec: {
        type: props.service.type,
        selector: { ...this.podLabels },
        // Keep the client's address for access logs and source ranges.
        ...(props.service.type !== 'ClusterIP' ? { externalTrafficPolicy: 'Local' } : {}),
        ...(props.service.loadBalancerSourceRanges.length > 0 ? { loadBalancerSourceRanges: [...props.service.loadBalancerSourceRanges] } : {}),
        port: [
          {
            name: tls ? 'https' : 'http',
            port: tls ? 443 : 80,
            targetPort: tls ? 'https' : 'http',
            protocol: 'TCP',
            ...(props.service.nodePort !== undefined ? { nodePort: props.service.nodePort } : {}),
          },
        ],
      },
    });
    this.metricsService = new ServiceV1(this, 'metrics-service', {
      metadata: { name: `${EDGE_NAME}-internal`, namespace: props.namespace, labels },
      spec: { type: 'ClusterIP', selector: { ...this.podLabels }, port: [{ name: 'internal', port: EDGE_INTERNAL_PORT, targetPort: 'internal', protocol: 'TCP' }] },
    });
    new PodDisruptionBudgetV1(this, 'pdb', {
      metadata: { name: EDGE_NAME, namespace: props.namespace, labels },
      spec: { maxUnavailable: '1', selector: { matchLabels: { ...this.podLabels } } },
    });
  }
}
