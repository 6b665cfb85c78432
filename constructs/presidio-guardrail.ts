import { restrictedContainerSecurity, restrictedPodSecurity, spreadOverNodes } from '../charts/pod-security';
import { imageRef, type ImagePin } from '../catalog/images';
import { PRESIDIO_HEALTH_PATH, PRESIDIO_HOME, PRESIDIO_IMAGES, PRESIDIO_PORT, PRESIDIO_UID } from '../catalog/presidio';
import { DeploymentV1, PodDisruptionBudgetV1, ServiceV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { ConstructPropsError } from './props-error';

/** The two Presidio services LiteLLM's guardrail calls. */
export type PresidioRole = 'analyzer' | 'anonymizer';

export interface PresidioGuardrailProps {
  readonly namespace: string;
  /** Pods of each service; a PodDisruptionBudget and a spread over nodes from 2. */
  readonly replicas: number;
  /** @default - the pinned release images (catalog/presidio.ts) */
  readonly images?: Readonly<Record<PresidioRole, ImagePin>>;
}

/**
 * Requests and limits. The analyzer holds spaCy's en_core_web_lg (about 0.6 GB on disk, installed in the image) in
 * memory for every gunicorn worker (WORKERS=1); the anonymizer only replaces text spans.
 */
const RESOURCES: Record<PresidioRole, { requests: Record<string, string>; limits: Record<string, string> }> = {
  analyzer: { requests: { cpu: '500m', memory: '1536Mi', 'ephemeral-storage': '64Mi' }, limits: { memory: '3Gi', 'ephemeral-storage': '256Mi' } },
  anonymizer: { requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '64Mi' }, limits: { memory: '512Mi', 'ephemeral-storage': '256Mi' } },
};

/**
 * Presidio's analyzer and anonymizer, for the gateway's PII guardrails: a Deployment and a ClusterIP Service
 * each, restricted pods (UID 1001 as the images' USER, read-only root with /tmp and HOME as emptyDirs, no
 * privilege escalation, all capabilities dropped, seccomp RuntimeDefault), probes on `/health`. Neither exposes
 * metrics. Who may reach them is the NetworkPolicy of their namespace (the gateway stack).
 */
export class PresidioGuardrail extends Construct {
  readonly port = PRESIDIO_PORT;
  /** Labels of each service's pods (for NetworkPolicies). */
  readonly podLabels: Readonly<Record<PresidioRole, Readonly<Record<string, string>>>> = {
    analyzer: { 'app.kubernetes.io/name': 'presidio-analyzer' },
    anonymizer: { 'app.kubernetes.io/name': 'presidio-anonymizer' },
  };
  /** Labels every Presidio pod carries. */
  readonly commonLabels = { 'app.kubernetes.io/part-of': 'presidio' } as const;
  readonly deployments: Readonly<Record<PresidioRole, DeploymentV1>>;
  readonly services: Readonly<Record<PresidioRole, ServiceV1>>;
  /** In-cluster base URLs, as LiteLLM's PRESIDIO_*_API_BASE take them. */
  readonly urls: Readonly<Record<PresidioRole, string>>;

  constructor(scope: Construct, id: string, props: PresidioGuardrailProps) {
    super(scope, id);
    if (!Number.isInteger(props.replicas) || props.replicas < 1) throw new ConstructPropsError(this, 'PresidioGuardrail', 'replicas', `${props.replicas} is not a replica count; use a whole number of at least 1`);
    const images = props.images ?? PRESIDIO_IMAGES;
    const deployments: Partial<Record<PresidioRole, DeploymentV1>> = {};
    const services: Partial<Record<PresidioRole, ServiceV1>> = {};
    const urls: Partial<Record<PresidioRole, string>> = {};
    for (const role of ['analyzer', 'anonymizer'] as const) {
      const name = `presidio-${role}`;
      const selector = this.podLabels[role];
      const labels = { ...selector, ...this.commonLabels, 'app.kubernetes.io/component': 'guardrail', 'app.kubernetes.io/managed-by': 'inference-stack' };
      const health = { httpGet: { path: PRESIDIO_HEALTH_PATH, port: String(PRESIDIO_PORT) } };
      const spread = spreadOverNodes(selector, false);
      deployments[role] = new DeploymentV1(this, role, {
        metadata: { name, namespace: props.namespace, labels },
        spec: {
          replicas: String(props.replicas),
          selector: { matchLabels: { ...selector } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1', maxUnavailable: '0' } },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPodSecurity({ runAsUser: String(PRESIDIO_UID), runAsGroup: String(PRESIDIO_UID), fsGroup: String(PRESIDIO_UID) }),
              ...(props.replicas > 1 ? { topologySpreadConstraint: [{ ...spread, labelSelector: [spread.labelSelector] }] } : {}),
              container: [
                {
                  name: role,
                  image: imageRef(images[role]),
                  // The image's CMD (./entrypoint.sh: gunicorn on $PORT); HOME as useradd -m made it, now a volume.
                  env: [
                    { name: 'PORT', value: String(PRESIDIO_PORT) },
                    { name: 'HOME', value: PRESIDIO_HOME },
                  ],
                  port: [{ name: 'http', containerPort: PRESIDIO_PORT }],
                  resources: RESOURCES[role],
                  securityContext: restrictedContainerSecurity({ readOnlyRootFilesystem: true, runAs: { user: String(PRESIDIO_UID), group: String(PRESIDIO_UID) } }),
                  // The analyzer loads its spaCy model before it listens: up to 5 minutes.
                  startupProbe: { ...health, periodSeconds: 5, failureThreshold: role === 'analyzer' ? 60 : 24 },
                  readinessProbe: { ...health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                  livenessProbe: { ...health, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 4 },
                  volumeMount: [
                    { name: 'tmp', mountPath: '/tmp' },
                    { name: 'home', mountPath: PRESIDIO_HOME },
                  ],
                },
              ],
              volume: [
                { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
                { name: 'home', emptyDir: { sizeLimit: '128Mi' } },
              ],
            },
          },
        },
      });
      services[role] = new ServiceV1(this, `${role}-service`, {
        metadata: { name, namespace: props.namespace, labels },
        spec: { type: 'ClusterIP', selector: { ...selector }, port: [{ name: 'http', port: PRESIDIO_PORT, targetPort: 'http', protocol: 'TCP' }] },
      });
      if (props.replicas > 1) {
        new PodDisruptionBudgetV1(this, `${role}-pdb`, {
          metadata: { name, namespace: props.namespace, labels },
          spec: { maxUnavailable: '1', selector: { matchLabels: { ...selector } } },
        });
      }
      urls[role] = `http://${name}.${props.namespace}.svc.cluster.local:${PRESIDIO_PORT}`;
    }
    this.deployments = deployments as Record<PresidioRole, DeploymentV1>;
    this.services = services as Record<PresidioRole, ServiceV1>;
    this.urls = urls as Record<PresidioRole, string>;
  }
}
