/** Typed values for kube-prometheus-stack (pinned in `CHARTS.kubePrometheusStack`) and its Grafana. */

export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

type SecretKey = { readonly name: string; readonly key: string };

/** An Alertmanager receiver: credentials are keys of existing Secrets in the monitoring namespace. */
export type AlertReceiver =
  | { readonly name: string; readonly type: 'slack'; readonly channel: string; readonly webhookUrlSecret: SecretKey }
  | { readonly name: string; readonly type: 'pagerduty'; readonly routingKeySecret: SecretKey }
  | { readonly name: string; readonly type: 'email'; readonly to: string; readonly from: string; readonly smarthost: string; readonly authUsername?: string; readonly authPasswordSecret?: SecretKey }
  | { readonly name: string; readonly type: 'webhook'; readonly urlSecret: SecretKey };

export type AlertSeverity = 'critical' | 'warning' | 'info';

export interface AlertingOptions {
  readonly receivers: readonly AlertReceiver[];
  /** Receiver names of each severity. */
  readonly routes: Readonly<Record<AlertSeverity, readonly string[]>>;
}

export interface KubePrometheusStackValuesOptions {
  readonly retentionDays: number;
  readonly storageGiB: number;
  readonly storageClass?: string;
  readonly grafanaAdminSecret: { readonly name: string; readonly userKey: string; readonly passwordKey: string };
  readonly alerting: AlertingOptions;
}

/**
 * Where the Prometheus Operator mounts each Secret listed in `alertmanagerSpec.secrets` (Alertmanager CRD, field
 * `secrets`: "mounted into /etc/alertmanager/secrets/<secret-name>"); each key is a file there.
 */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';
const secretFile = (s: SecretKey) => `${ALERTMANAGER_SECRETS_DIR}/${s.name}/${s.key}`;

/** The Secrets a receiver reads. */
export function receiverSecrets(r: AlertReceiver): SecretKey[] {
  switch (r.type) {
    case 'slack':
      return [r.webhookUrlSecret];
    case 'pagerduty':
      return [r.routingKeySecret];
    case 'email':
      return r.authPasswordSecret ? [r.authPasswordSecret] : [];
    case 'webhook':
      return [r.urlSecret];
  }
}

/**
 * One receiver in Alertmanager's configuration. Credentials come from files (`*_file` fields, read by
 * Alertmanager 0.34.0, the chart's: config/notifiers.go `api_url_file`, `auth_password_file`;
 * notify/pagerduty/config.go `routing_key_file`; notify/webhook/config.go `url_file`), never inline.
 */
function receiverConfig(r: AlertReceiver): Record<string, unknown> {
  switch (r.type) {
    case 'slack':
      return { name: r.name, slack_configs: [{ channel: r.channel, api_url_file: secretFile(r.webhookUrlSecret), send_resolved: true }] };
    case 'pagerduty':
      return { name: r.name, pagerduty_configs: [{ routing_key_file: secretFile(r.routingKeySecret), send_resolved: true }] };
    case 'email':
      return {
        name: r.name,
        email_configs: [
          {
            to: r.to,
            from: r.from,
            smarthost: r.smarthost,
            ...(r.authUsername && r.authPasswordSecret ? { auth_username: r.authUsername, auth_password_file: secretFile(r.authPasswordSecret) } : {}),
            send_resolved: true,
          },
        ],
      };
    case 'webhook':
      return { name: r.name, webhook_configs: [{ url_file: secretFile(r.urlSecret), send_resolved: true }] };
  }
}

/** The receiver of whatever no route takes (and of the Watchdog heartbeat): the chart's own "null". */
export const NULL_RECEIVER = 'null';
const SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning', 'info'];

/**
 * The whole Alertmanager configuration (`alertmanager.config`; every key the chart's default sets is set here, so
 * Helm's merge of maps leaves nothing of the default behind). Each severity goes to each of its receivers: one
 * route per pair, with `continue` so that an alert reaches every receiver listed for its severity.
 */
export function alertmanagerConfig(a: AlertingOptions): Record<string, unknown> {
  const routes = SEVERITIES.flatMap((severity) =>
    a.routes[severity].map((receiver) => ({ receiver, matchers: [`severity = "${severity}"`], continue: true })),
  );
  return {
    global: { resolve_timeout: '5m' },
    // As the chart's default: a critical alert silences the warning and info of the same alert and namespace.
    inhibit_rules: [
      { source_matchers: ['severity = critical'], target_matchers: ['severity =~ warning|info'], equal: ['namespace', 'alertname'] },
      { source_matchers: ['severity = warning'], target_matchers: ['severity = info'], equal: ['namespace', 'alertname'] },
      { source_matchers: ['alertname = InfoInhibitor'], target_matchers: ['severity = info'], equal: ['namespace'] },
      { target_matchers: ['alertname = InfoInhibitor'] },
    ],
    route: {
      group_by: ['namespace', 'alertname'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '12h',
      receiver: NULL_RECEIVER,
      // Watchdog fires always (it proves the pipeline works): it goes nowhere unless a dead man's switch is wired.
      routes: [{ receiver: NULL_RECEIVER, matchers: ['alertname = "Watchdog"'] }, ...routes],
    },
    receivers: [{ name: NULL_RECEIVER }, ...a.receivers.map(receiverConfig)],
    templates: ['/etc/alertmanager/config/*.tmpl'],
  };
}

/** The Secrets Alertmanager mounts: every Secret a receiver reads, once, sorted. */
export function alertmanagerSecrets(a: AlertingOptions): string[] {
  return [...new Set(a.receivers.flatMap(receiverSecrets).map((s) => s.name))].sort();
}

export function kubePrometheusStackValues(o: KubePrometheusStackValuesOptions): object {
  const claim = (size: string) => ({
    volumeClaimTemplate: {
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...(o.storageClass ? { storageClassName: o.storageClass } : {}) },
    },
  });
  return {
    // The CRDs (ServiceMonitor, PodMonitor, PrometheusRule) come with the platform stack, before anything uses them.
    crds: { enabled: true },
    prometheus: {
      prometheusSpec: {
        retention: `${o.retentionDays}d`,
        storageSpec: claim(`${o.storageGiB}Gi`),
        // Select every ServiceMonitor, PodMonitor and rule in the cluster, not only the chart's own.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '8Gi' } },
      },
    },
    prometheusOperator: { resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } } },
    alertmanager: {
      config: alertmanagerConfig(o.alerting),
      alertmanagerSpec: {
        storage: claim('2Gi'),
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        ...(alertmanagerSecrets(o.alerting).length > 0 ? { secrets: alertmanagerSecrets(o.alerting) } : {}),
      },
    },
    grafana: {
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      admin: { existingSecret: o.grafanaAdminSecret.name, userKey: o.grafanaAdminSecret.userKey, passwordKey: o.grafanaAdminSecret.passwordKey },
      sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL, labelValue: '1', searchNamespace: 'ALL' } },
    },
  };
}
