/**
 * Typed values for Fluent Bit's chart (pinned in `CHARTS.fluentBit`) and the pipeline inside them (the classic
 * config format the chart renders into fluent-bit.conf): tail the container logs of the namespaces we deploy,
 * add Kubernetes metadata and merge each JSON line into the record, forward to one sink. Credentials reach the
 * pod as env vars from existing Secrets and the config names them as `${VAR}` (Fluent Bit's variables).
 */
import type { ImagePin } from '../catalog/images';
import { restrictedContainerSecurity, seccompRuntimeDefault } from './pod-security';

/** The image of the pinned chart's appVersion (5.1.1): its build runs as root (shared images.json). */
export const FLUENT_BIT_IMAGE: ImagePin = { repository: 'cr.fluentbit.io/fluent/fluent-bit', tag: '5.1.1' };
/** The built-in HTTP server: health and metrics (the chart's metricsPort). */
export const FLUENT_BIT_HTTP_PORT = 2020;
/** Where the tail input keeps its file offsets, on the node, so a restarted pod neither re-sends nor skips lines. */
export const FLUENT_BIT_STATE_DIR = '/var/lib/fluent-bit';

/** A credential of the sink: the env var the config reads and the Secret it comes from. */
export interface SinkSecretEnv {
  readonly name: string;
  readonly secret: { readonly name: string; readonly key: string };
}

export type LogSink =
  | { readonly type: 'http'; readonly url: string; readonly tokenSecret?: SinkSecretEnv['secret'] }
  | { readonly type: 'splunk'; readonly url: string; readonly tokenSecret: SinkSecretEnv['secret'] }
  | { readonly type: 'elasticsearch' | 'opensearch'; readonly url: string; readonly index: string; readonly user?: string; readonly passwordSecret?: SinkSecretEnv['secret'] }
  | { readonly type: 'loki'; readonly url: string; readonly tenantId?: string; readonly user?: string; readonly passwordSecret?: SinkSecretEnv['secret'] }
  | { readonly type: 'syslog'; readonly host: string; readonly port: number; readonly mode: 'tcp' | 'udp' | 'tls' };

export interface FluentBitOptions {
  /** Namespaces whose containers' logs are collected. */
  readonly namespaces: readonly string[];
  readonly sink: LogSink;
  /** @default FLUENT_BIT_IMAGE */
  readonly image?: ImagePin;
}

export const SINK_TOKEN_ENV = 'LOG_SINK_TOKEN';
export const SINK_PASSWORD_ENV = 'LOG_SINK_PASSWORD';

/** One `[SECTION]` of the classic format: keys in order, values as written. */
export type Section = { readonly section: 'SERVICE' | 'INPUT' | 'FILTER' | 'OUTPUT'; readonly entries: ReadonlyArray<readonly [string, string]> };

const render = (sections: readonly Section[]): string =>
  sections.map((s) => [`[${s.section}]`, ...s.entries.map(([k, v]) => `    ${k} ${v}`)].join('\n')).join('\n') + '\n';

/** Host, port and TLS of a sink URL (the port defaults to the scheme's). */
function endpoint(url: string): { host: string; port: string; tls: boolean; path: string } {
  const u = new URL(url);
  const tls = u.protocol === 'https:';
  return { host: u.hostname, port: u.port || (tls ? '443' : '80'), tls, path: u.pathname.replace(/\/+$/, '') };
}

const tlsEntries = (tls: boolean): Array<[string, string]> => (tls ? [['tls', 'on'], ['tls.verify', 'on']] : [['tls', 'off']]);

/** The sink's output section and the Secrets its config reads as env vars. */
export function sinkOutput(sink: LogSink, match: string): { output: Section; env: SinkSecretEnv[] } {
  const env: SinkSecretEnv[] = [];
  const entries: Array<[string, string]> = [['name', ''], ['match', match]];
  const basicAuth = (user: string | undefined, password: SinkSecretEnv['secret'] | undefined) => {
    if (user) entries.push(['http_user', user]);
    if (password) {
      entries.push(['http_passwd', `\${${SINK_PASSWORD_ENV}}`]);
      env.push({ name: SINK_PASSWORD_ENV, secret: password });
    }
  };
  switch (sink.type) {
    case 'http': {
      const e = endpoint(sink.url);
      entries[0] = ['name', 'http'];
      entries.push(['host', e.host], ['port', e.port], ['uri', e.path || '/'], ['format', 'json_lines'], ['json_date_key', 'timestamp'], ['json_date_format', 'iso8601'], ...tlsEntries(e.tls));
      if (sink.tokenSecret) {
        entries.push(['header', `Authorization Bearer \${${SINK_TOKEN_ENV}}`]);
        env.push({ name: SINK_TOKEN_ENV, secret: sink.tokenSecret });
      }
      break;
    }
    case 'splunk': {
      const e = endpoint(sink.url);
      entries[0] = ['name', 'splunk'];
      entries.push(['host', e.host], ['port', e.port], ['splunk_token', `\${${SINK_TOKEN_ENV}}`], ['splunk_send_raw', 'off'], ...tlsEntries(e.tls));
      env.push({ name: SINK_TOKEN_ENV, secret: sink.tokenSecret });
      break;
    }
    case 'elasticsearch':
    case 'opensearch': {
      const e = endpoint(sink.url);
      entries[0] = ['name', sink.type === 'elasticsearch' ? 'es' : 'opensearch'];
      entries.push(['host', e.host], ['port', e.port], ...(e.path ? ([['path', e.path]] as Array<[string, string]>) : []), ['index', sink.index], ['suppress_type_name', 'on'], ['replace_dots', 'on'], ...tlsEntries(e.tls));
      basicAuth(sink.user, sink.passwordSecret);
      break;
    }
    case 'loki': {
      const e = endpoint(sink.url);
      entries[0] = ['name', 'loki'];
      entries.push(
        ['host', e.host],
        ['port', e.port],
        ['uri', `${e.path}/loki/api/v1/push`],
        ['labels', "job=inference-stack, namespace=$kubernetes['namespace_name'], pod=$kubernetes['pod_name'], container=$kubernetes['container_name']"],
        ['line_format', 'json'],
        ...tlsEntries(e.tls),
      );
      if (sink.tenantId) entries.push(['tenant_id', sink.tenantId]);
      basicAuth(sink.user, sink.passwordSecret);
      break;
    }
    case 'syslog':
      entries[0] = ['name', 'syslog'];
      entries.push(['host', sink.host], ['port', String(sink.port)], ['mode', sink.mode], ['syslog_format', 'rfc5424'], ['syslog_message_key', 'log'], ...tlsEntries(sink.mode === 'tls'));
      break;
  }
  // retry for as long as the sink is down, bounded by the in-memory buffer of the input
  entries.push(['retry_limit', 'no_limits']);
  return { output: { section: 'OUTPUT', entries }, env };
}

/** The pipeline: service, one tail input over the namespaces' container logs, the kubernetes filter, the sink. */
export function fluentBitPipeline(o: Pick<FluentBitOptions, 'namespaces' | 'sink'>): { sections: Section[]; env: SinkSecretEnv[] } {
  if (o.namespaces.length === 0) throw new Error('fluent-bit: no namespaces to collect logs from');
  const tag = 'kube.*';
  const { output, env } = sinkOutput(o.sink, tag);
  const sections: Section[] = [
    {
      section: 'SERVICE',
      entries: [['daemon', 'off'], ['flush', '1'], ['log_level', 'info'], ['parsers_file', '/fluent-bit/etc/parsers.conf'], ['http_server', 'on'], ['http_listen', '0.0.0.0'], ['http_port', String(FLUENT_BIT_HTTP_PORT)], ['health_check', 'on']],
    },
    {
      section: 'INPUT',
      entries: [
        ['name', 'tail'],
        // the kubelet's links: <pod>_<namespace>_<container>-<id>.log
        ['path', [...o.namespaces].sort().map((ns) => `/var/log/containers/*_${ns}_*.log`).join(',')],
        ['multiline.parser', 'cri, docker'],
        ['tag', tag],
        ['db', `${FLUENT_BIT_STATE_DIR}/tail.db`],
        ['mem_buf_limit', '50MB'],
        ['skip_long_lines', 'on'],
        ['refresh_interval', '10'],
      ],
    },
    {
      section: 'FILTER',
      entries: [
        ['name', 'kubernetes'],
        ['match', tag],
        // a JSON log line (LiteLLM's json_logs, Caddy's access log, Langfuse's) becomes fields of the record
        ['merge_log', 'on'],
        // syslog sends one message per record: keep the line as it was written
        ['keep_log', o.sink.type === 'syslog' ? 'on' : 'off'],
        ['labels', 'on'],
        ['annotations', 'off'],
        // pods may not choose a parser or drop their own logs by annotation
        ['k8s-logging.parser', 'off'],
        ['k8s-logging.exclude', 'off'],
      ],
    },
    output,
  ];
  return { sections, env };
}

/** The chart's values: a DaemonSet on every node, reading /var/log only, root without capabilities. */
export function fluentBitValues(o: FluentBitOptions): object {
  const { sections, env } = fluentBitPipeline(o);
  const image = o.image ?? FLUENT_BIT_IMAGE;
  const byKind = (kind: Section['section']) => render(sections.filter((s) => s.section === kind));
  return {
    kind: 'DaemonSet',
    image: { repository: image.repository, tag: image.tag, pullPolicy: 'IfNotPresent' },
    serviceAccount: { create: true },
    // the kubernetes filter reads pods and namespaces (the chart's ClusterRole: get, list, watch)
    rbac: { create: true, nodeAccess: false, eventsAccess: false },
    podSecurityContext: { seccompProfile: seccompRuntimeDefault() },
    // Container logs on the node are root's (0640 under /var/log/pods): root, but with no capability, no
    // escalation, and a read-only root and /var/log. The namespace's Pod Security level is privileged for the
    // hostPath volumes (baseline forbids hostPath).
    securityContext: { ...restrictedContainerSecurity({ readOnlyRootFilesystem: true }), runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    // every node, GPU nodes and their taints included
    tolerations: [{ operator: 'Exists' }],
    env: env.map((e) => ({ name: e.name, valueFrom: { secretKeyRef: { name: e.secret.name, key: e.secret.key } } })),
    daemonSetVolumes: [
      { name: 'varlog', hostPath: { path: '/var/log' } },
      { name: 'state', hostPath: { path: FLUENT_BIT_STATE_DIR, type: 'DirectoryOrCreate' } },
    ],
    daemonSetVolumeMounts: [
      { name: 'varlog', mountPath: '/var/log', readOnly: true },
      { name: 'state', mountPath: FLUENT_BIT_STATE_DIR },
    ],
    metricsPort: FLUENT_BIT_HTTP_PORT,
    config: {
      service: byKind('SERVICE'),
      inputs: byKind('INPUT'),
      filters: byKind('FILTER'),
      outputs: byKind('OUTPUT'),
      customParsers: '',
    },
  };
}
