/**
 * LogShipper: Fluent Bit's chart as a DaemonSet over the namespaces we deploy, alone and in the prod preset.
 *
 * Neither fluent-bit nor vector is packaged in Debian, so the pipeline cannot be run by the real tool here: it is
 * checked structurally against Fluent Bit's documented classic config format instead. The config the chart gets
 * is parsed back (sections, 4-space-indented `key value` lines), every section names a plugin, every key is one
 * the plugin's documentation lists (FLUENT_BIT_KEYS below, each with its page), every `${VAR}` is an env var the
 * pod gets from a Secret, and every filter and output matches the input's tag.
 */
import { describe, expect, it } from 'vitest';
import { FLUENT_BIT_IMAGE, sinkOutput, type LogSink } from '../../charts/fluent-bit';
import { CHARTS } from '../../charts/pins';
import { LOG_SHIPPER_POD_SECURITY, LogShipper } from '../../constructs/log-shipper';
import { onlyReleaseValues, resourcesIn, synthScope } from '../support/construct';
import { podsOf } from '../support/pods';
import { helmReleases, releaseValues, resourcesOf, stacksOf } from '../support/synth';
import { chartFacts, readFacts } from '../support/upstream';

/**
 * The keys each plugin documents, from Fluent Bit's manual (docs.fluentbit.io/manual/..., read 2026-12): keys are
 * case-insensitive. `name`, `match`, `retry_limit` and the TLS keys are common to every output
 * (administration/configuring-fluent-bit/classic-mode/configuration-file, administration/transport-security).
 */
const COMMON_OUTPUT = ['name', 'match', 'retry_limit', 'workers', 'tls', 'tls.verify'];
const FLUENT_BIT_KEYS: Record<string, { section: string; keys: string[]; page: string }> = {
  service: { section: 'SERVICE', keys: ['daemon', 'flush', 'log_level', 'parsers_file', 'http_server', 'http_listen', 'http_port', 'health_check'], page: 'administration/configuring-fluent-bit/classic-mode/configuration-file' },
  tail: { section: 'INPUT', keys: ['name', 'path', 'multiline.parser', 'tag', 'db', 'mem_buf_limit', 'skip_long_lines', 'refresh_interval'], page: 'pipeline/inputs/tail' },
  kubernetes: { section: 'FILTER', keys: ['name', 'match', 'merge_log', 'keep_log', 'labels', 'annotations', 'k8s-logging.parser', 'k8s-logging.exclude'], page: 'pipeline/filters/kubernetes' },
  http: { section: 'OUTPUT', keys: [...COMMON_OUTPUT, 'host', 'port', 'uri', 'format', 'header', 'json_date_key', 'json_date_format'], page: 'pipeline/outputs/http' },
  splunk: { section: 'OUTPUT', keys: [...COMMON_OUTPUT, 'host', 'port', 'splunk_token', 'splunk_send_raw'], page: 'pipeline/outputs/splunk' },
  es: { section: 'OUTPUT', keys: [...COMMON_OUTPUT, 'host', 'port', 'path', 'index', 'http_user', 'http_passwd', 'suppress_type_name', 'replace_dots'], page: 'pipeline/outputs/elasticsearch' },
  opensearch: { section: 'OUTPUT', keys: [...COMMON_OUTPUT, 'host', 'port', 'path', 'index', 'http_user', 'http_passwd', 'suppress_type_name', 'replace_dots'], page: 'pipeline/outputs/opensearch' },
  loki: { section: 'OUTPUT', keys: [...COMMON_OUTPUT, 'host', 'port', 'uri', 'labels', 'line_format', 'tenant_id', 'http_user', 'http_passwd'], page: 'pipeline/outputs/loki' },
  syslog: { section: 'OUTPUT', keys: [...COMMON_OUTPUT, 'host', 'port', 'mode', 'syslog_format', 'syslog_message_key'], page: 'pipeline/outputs/syslog' },
};

type Parsed = { section: string; entries: Array<[string, string]> };

/** Fluent Bit's classic format: `[SECTION]` headers, then indented `key value` lines (value: the rest of the line). */
function parseClassic(text: string): Parsed[] {
  const out: Parsed[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const header = /^\[([A-Z]+)\]$/.exec(line);
    if (header) return void out.push({ section: header[1]!, entries: [] });
    const entry = /^ {4}(\S+) (\S.*)$/.exec(line);
    if (!entry || out.length === 0) throw new Error(`line ${i + 1}: ${JSON.stringify(line)} is neither a [SECTION] nor an indented "key value"`);
    out.at(-1)!.entries.push([entry[1]!, entry[2]!]);
  });
  return out;
}

/** A string of cdk.tf.json as Terraform renders it: `$${` is a literal `${`, `%%{` a literal `%{`. */
const rendered = (text: string) => text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');

/**
 * Problems of a whole pipeline (the chart's config.* strings, as written in cdk.tf.json), per the documented
 * keys; [] when it is sound.
 */
function pipelineProblems(config: Record<string, string>, env: Array<{ name: string; valueFrom?: unknown }>): string[] {
  const problems: string[] = [];
  const sections = ['service', 'inputs', 'filters', 'outputs'].flatMap((k) => parseClassic(rendered(config[k] ?? '')));
  const tags = new Set<string>();
  for (const s of sections) {
    const get = (k: string) => s.entries.find(([key]) => key.toLowerCase() === k)?.[1];
    const plugin = s.section === 'SERVICE' ? 'service' : get('name');
    const doc = plugin ? FLUENT_BIT_KEYS[plugin] : undefined;
    if (!doc) {
      problems.push(`[${s.section}] names no known plugin (${String(plugin)})`);
      continue;
    }
    if (doc.section !== s.section) problems.push(`${plugin} is not an ${s.section}`);
    const seen = new Set<string>();
    for (const [k, v] of s.entries) {
      if (!doc.keys.includes(k.toLowerCase())) problems.push(`${plugin}: ${k} is not a documented key (docs.fluentbit.io/manual/${doc.page})`);
      if (seen.has(k.toLowerCase())) problems.push(`${plugin}: ${k} twice`);
      seen.add(k.toLowerCase());
      for (const m of v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        const e = env.find((x) => x.name === m[1]);
        if (!e?.valueFrom) problems.push(`${plugin}: ${k} reads \${${m[1]}}, which the pod does not get from a Secret`);
      }
    }
    if (s.section === 'INPUT') tags.add(get('tag') ?? '');
    if (s.section === 'FILTER' || s.section === 'OUTPUT') if (!tags.has(get('match') ?? '')) problems.push(`${plugin}: match ${String(get('match'))} is no input's tag`);
  }
  if (!sections.some((s) => s.section === 'OUTPUT')) problems.push('no output');
  return problems;
}

const SINKS: LogSink[] = [
  { type: 'http', url: 'https://logs.example.com/ingest', tokenSecret: { name: 'sink', key: 'token' } },
  { type: 'splunk', url: 'https://hec.example.com:8088', tokenSecret: { name: 'hec', key: 'token' } },
  { type: 'elasticsearch', url: 'https://es.example.com:9200', index: 'llm', user: 'shipper', passwordSecret: { name: 'es', key: 'password' } },
  { type: 'opensearch', url: 'http://opensearch.search.svc:9200', index: 'llm' },
  { type: 'loki', url: 'https://loki.example.com', tenantId: 'llm', user: 'u', passwordSecret: { name: 'loki', key: 'password' } },
  { type: 'syslog', host: 'siem.example.com', port: 6514, mode: 'tls' },
];

const shipper = (sink: LogSink, namespaces = ['gateway', 'models', 'edge']) => onlyReleaseValues(synthScope((scope) => new LogShipper(scope, 'logs', { namespace: 'logging', namespaces, sink })));

describe('LogShipper alone', () => {
  it('installs the pinned Fluent Bit chart as a DaemonSet on every node, image pinned, no unpinned test pod', () => {
    const json = synthScope((scope) => new LogShipper(scope, 'logs', { namespace: 'logging', namespaces: ['gateway'], sink: SINKS[1]! }));
    const [release] = resourcesIn(json, 'helm_release');
    expect(release).toMatchObject({ chart: 'fluent-bit', repository: CHARTS.fluentBit.repository, version: '0.58.1', namespace: 'logging' });
    const v = onlyReleaseValues(json);
    expect(v.kind).toBe('DaemonSet');
    expect(v.image).toEqual({ repository: 'cr.fluentbit.io/fluent/fluent-bit', tag: '5.1.1', pullPolicy: 'IfNotPresent' });
    // the chart's appVersion is the tag we pin
    expect((chartFacts(CHARTS.fluentBit.upstreamData) as { chart: { appVersion: string } }).chart.appVersion).toBe(FLUENT_BIT_IMAGE.tag);
    expect(v.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('mounts only /var/log (read-only) and its offsets directory from the host, as root without capabilities', () => {
    const v = shipper(SINKS[1]!);
    expect(v.daemonSetVolumes).toEqual([
      { name: 'varlog', hostPath: { path: '/var/log' } },
      { name: 'state', hostPath: { path: '/var/lib/fluent-bit', type: 'DirectoryOrCreate' } },
    ]);
    expect(v.daemonSetVolumeMounts).toContainEqual({ name: 'varlog', mountPath: '/var/log', readOnly: true });
    expect(v.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    // images.json: the image has no USER (root), and reading root's 0640 logs needs root or DAC capabilities
    const facts = readFacts<{ images: Record<string, { uid: number }> }>('images.json').images['cr.fluentbit.io/fluent/fluent-bit:5.1.1']!;
    expect(facts.uid).toBe(0);
    expect(LOG_SHIPPER_POD_SECURITY.level).toBe('privileged');
  });

  it('a TLS sink turns TLS on (the output gets its TLS context only from `tls on`), and verifies the peer', () => {
    // Fluent Bit's out_syslog sets FLB_IO_TLS for mode tls but uses the instance's TLS context, which only `tls on`
    // creates (plugins/out_syslog/syslog_conf.c), as for the http, es and loki outputs.
    for (const sink of SINKS) {
      const entries = new Map(sinkOutput(sink, 'kube.*').output.entries);
      const tls = sink.type === 'syslog' ? sink.mode === 'tls' : sink.url.startsWith('https://');
      expect([sink.type, entries.get('tls')]).toEqual([sink.type, tls ? 'on' : 'off']);
      if (tls) expect(entries.get('tls.verify')).toBe('on');
    }
    expect(new Map(sinkOutput({ type: 'syslog', host: 'siem.example.com', port: 514, mode: 'tcp' }, 'kube.*').output.entries).get('tls')).toBe('off');
  });

  it('collects exactly the given namespaces, sorted, by the kubelet log-link pattern', () => {
    const v = shipper(SINKS[1]!, ['models', 'gateway']);
    expect(v.config.inputs).toContain('    path /var/log/containers/*_gateway_*.log,/var/log/containers/*_models_*.log\n');
    expect(v.config.filters).toContain('    merge_log on\n');
  });

  it.each(SINKS.map((s) => [s.type, s] as const))('writes a sound pipeline for a %s sink, credentials only as ${VAR} from Secrets', (_type, sink) => {
    const v = shipper(sink);
    expect(pipelineProblems(v.config, v.env)).toEqual([]);
    const { env } = sinkOutput(sink, 'kube.*');
    expect(v.env).toEqual(env.map((e) => ({ name: e.name, valueFrom: { secretKeyRef: { name: e.secret.name, key: e.secret.key } } })));
    expect(v.env.every((e: { value?: unknown }) => e.value === undefined)).toBe(true);
  });

  it('turns TLS on (and verified) for an https sink and off for http, with the port of the URL or scheme', () => {
    const entries = (sink: LogSink) => Object.fromEntries(sinkOutput(sink, 'kube.*').output.entries);
    expect(entries(SINKS[1]!)).toMatchObject({ name: 'splunk', host: 'hec.example.com', port: '8088', tls: 'on', 'tls.verify': 'on', splunk_token: '${LOG_SINK_TOKEN}' });
    expect(entries(SINKS[3]!)).toMatchObject({ name: 'opensearch', host: 'opensearch.search.svc', port: '9200', tls: 'off' });
    expect(entries(SINKS[0]!)).toMatchObject({ port: '443', uri: '/ingest', header: 'Authorization Bearer ${LOG_SINK_TOKEN}' });
    expect(entries(SINKS[4]!)).toMatchObject({ name: 'loki', uri: '/loki/api/v1/push', tenant_id: 'llm', http_passwd: '${LOG_SINK_PASSWORD}' });
  });

  it('the structural check catches what it is for', () => {
    const v = shipper(SINKS[1]!);
    expect(pipelineProblems({ ...v.config, outputs: v.config.outputs.replace('splunk_token', 'splunk_tokn') }, v.env)).toEqual([expect.stringContaining('splunk: splunk_tokn is not a documented key')]);
    expect(pipelineProblems(v.config, [])).toEqual([expect.stringContaining('reads ${LOG_SINK_TOKEN}, which the pod does not get from a Secret')]);
    expect(pipelineProblems({ ...v.config, outputs: v.config.outputs.replace('match kube.*', 'match host.*') }, v.env)).toEqual(['splunk: match host.* is no input\'s tag']);
    expect(() => parseClassic('[OUTPUT]\nname splunk')).toThrow(/line 2/);
  });

  it("escapes the config's ${VAR} for Terraform, which would otherwise interpolate them", () => {
    const v = shipper(SINKS[1]!);
    expect(v.config.outputs).toContain('splunk_token $${LOG_SINK_TOKEN}');
    expect(v.config.outputs).not.toMatch(/(?<!\$)\$\{/);
  });

  it('refuses to collect from no namespace', () => {
    expect(() => shipper(SINKS[1]!, [])).toThrow(/no namespaces/);
  });
});

describe('the prod preset ships logs to Splunk', () => {
  const stacks = stacksOf('prod');
  const release = helmReleases(stacks['prod-observability']!).find((r) => r.chart === 'fluent-bit')!;
  const v = releaseValues(release) as any;

  it('collects the gateway, guardrails, models, edge and RAG namespaces into the Splunk HEC, the token by reference', () => {
    expect(release.namespace).toBe('logging');
    expect(v.config.inputs).toContain('path /var/log/containers/*_edge_*.log,/var/log/containers/*_gateway_*.log,/var/log/containers/*_guardrails_*.log,/var/log/containers/*_models_*.log,/var/log/containers/*_rag_*.log');
    expect(v.env).toEqual([{ name: 'LOG_SINK_TOKEN', valueFrom: { secretKeyRef: { name: 'splunk-hec', key: 'token' } } }]);
    expect(pipelineProblems(v.config, v.env)).toEqual([]);
  });

  it('collects every namespace where the environment runs a workload of its own (the platform charts excepted)', () => {
    const platform = new Set(['gpu-operator', 'gpu-readiness', 'monitoring', 'cert-manager', 'cnpg-system', 'keda', 'lws-system', 'logging']);
    const ours = [...new Set(podsOf(stacks).map((p) => p.namespace))].filter((ns) => !platform.has(ns)).sort();
    const tailed = [...(v.config.inputs as string).matchAll(/\*_([a-z0-9-]+)_\*\.log/g)].map((m) => m[1]).sort();
    expect(ours).toContain('guardrails');
    expect(tailed).toEqual(ours);
  });

  it('turns LiteLLM JSON logs on where the shipper runs (prod), not elsewhere', () => {
    const settings = (preset: string) => (releaseValues(helmReleases(stacksOf(preset)[`${preset}-gateway`]!).find((r) => r.chart === 'litellm-helm')!) as any).proxy_config.litellm_settings;
    expect(settings('prod').json_logs).toBe(true);
    expect(settings('staging').json_logs).toBeUndefined();
    const documented = readFacts<{ json_logging: Array<{ key: string }> }>('flags/litellm-proxy-config-keys-guardrails-callbacks.json').json_logging.map((k) => k.key);
    expect(documented).toContain('litellm_settings.json_logs');
  });

  it('runs in a privileged namespace with its reason, where nothing may connect to it', () => {
    const ns = (resourcesOf(stacks['prod-namespaces']!, 'kubernetes_namespace_v1') as any[]).find((n) => n.metadata.name === 'logging');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.metadata.annotations['inference-stack.io/pod-security-exception']).toMatch(/hostPath/);
    const policies = (resourcesOf(stacks['prod-observability']!, 'kubernetes_network_policy_v1') as any[]).filter((p) => p.metadata.namespace === 'logging');
    expect(policies.map((p) => [p.metadata.name, p.spec])).toEqual([['default-deny-ingress', { pod_selector: {}, policy_types: ['Ingress'] }]]);
    // every other namespace stays restricted or keeps its existing exception
    const levels = Object.fromEntries((resourcesOf(stacks['prod-namespaces']!, 'kubernetes_namespace_v1') as any[]).map((n) => [n.metadata.name, n.metadata.labels['pod-security.kubernetes.io/enforce']]));
    expect(Object.entries(levels).filter(([, l]) => l !== 'restricted').map(([n]) => n).sort()).toEqual(['gpu-operator', 'logging', 'monitoring']);
  });

  it('staging and dev ship no logs', () => {
    for (const preset of ['dev', 'staging']) expect(helmReleases(stacksOf(preset)[`${preset}-observability`]!).some((r) => r.chart === 'fluent-bit')).toBe(false);
  });
});
