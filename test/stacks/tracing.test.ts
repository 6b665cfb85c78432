/**
 * observability.tracing: LiteLLM's callbacks and the env they read reach the gateway (proxy_config and the pod's
 * env, keys only as Secret references), every key and env var is one upstream documents
 * (facts/upstream/flags/litellm-proxy-config-keys*.json), and with an OpenTelemetry collector vLLM sends its own
 * spans (--otlp-traces-endpoint, a flag of the pinned vLLM: facts/upstream/flags/vllm-main-*.json).
 */
import { describe, expect, it } from 'vitest';
import { AUDIT_CALLBACK } from '../../charts/litellm';
import { formatProblem } from '../../environments/load';
import type { Environment } from '../../environments/schema';
import { MINIMAL, problemsOf, writeEnvs } from '../support/env';
import { helmReleases, presetEnv, releaseValues, resourcesOf, stacksOf, statefulSets, synthEnvJson, type TfJson } from '../support/synth';
import { readFacts } from '../support/upstream';

type Keyed = { key: string };
const base = readFacts<Record<string, string[]>>('flags/litellm-proxy-config-keys.json');
const more = readFacts<{ litellm_settings_callbacks: Keyed[]; callback_values: Keyed[]; langfuse_env_vars: Keyed[]; otel_env_vars: Keyed[]; json_logging: Keyed[] }>('flags/litellm-proxy-config-keys-guardrails-callbacks.json');
const vllmFlags = readFacts<{ flags: string[] }>('flags/vllm-main-6adad087.json').flags;
const keysOf = (l: Keyed[]) => l.map((e) => e.key);

const AUDIT_ENTRY = `${AUDIT_CALLBACK.module}.${AUDIT_CALLBACK.instance}`;

function gateway(stacks: Record<string, TfJson>, env: string) {
  const release = helmReleases(stacks[`${env}-gateway`]!).find((r) => r.chart === 'litellm-helm')!;
  const values = releaseValues(release) as any;
  const env_ = Object.fromEntries((values.extraEnvVars as any[]).map((e) => [e.name, e.value ?? e.valueFrom]));
  return { release, values, config: values.proxy_config, env: env_ };
}

/**
 * Env vars the gateway gets beyond the hosted models' keys, the PII guardrail's Presidio addresses and the audit
 * callback's own settings (AUDIT_*, read by our callback file, not by LiteLLM; test/constructs/litellm-gateway.test.ts).
 */
const tracingEnv = (env: Record<string, unknown>) => Object.keys(env).filter((k) => !/^(HOSTED|PRESIDIO|AUDIT)_/.test(k)).sort();

describe('Langfuse (staging and prod presets)', () => {
  it.each(['staging', 'prod'])('%s: the langfuse callback, LANGFUSE_HOST, and both keys from the Secret by reference', (preset) => {
    const { config, env, release } = gateway(stacksOf(preset), preset);
    const external = (presetEnv(preset).observability.tracing as { external?: { host: string } }).external;
    // and the audit record where the preset ships logs
    expect(config.litellm_settings.callbacks).toEqual(['prometheus', 'langfuse', ...(presetEnv(preset).observability.logs ? [AUDIT_ENTRY] : [])]);
    expect(tracingEnv(env)).toEqual(['LANGFUSE_HOST', 'LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY']);
    // staging runs Langfuse in the cluster (the chart's web Service, `<release>-web`), prod uses an external one
    expect(env.LANGFUSE_HOST).toBe(external?.host ?? 'http://langfuse-web.tracing.svc.cluster.local:3000');
    expect(external === undefined).toBe(preset === 'staging');
    expect(env.LANGFUSE_PUBLIC_KEY).toEqual({ secretKeyRef: { name: 'langfuse-keys', key: 'public-key' } });
    expect(env.LANGFUSE_SECRET_KEY).toEqual({ secretKeyRef: { name: 'langfuse-keys', key: 'secret-key' } });
    // no key value anywhere in the release
    expect(release.values.join('\n')).not.toMatch(/[ps]k-lf-/);
  });

  it('keeps prompts and responses out of traces and logs unless the environment asks', () => {
    expect(gateway(stacksOf('prod'), 'prod').config.litellm_settings.turn_off_message_logging).toBe(true);
    const env = presetEnv('staging');
    const opened = synthEnvJson({ ...env, observability: { ...env.observability, logPromptBodies: true } } as Environment);
    expect(gateway(opened, 'staging').config.litellm_settings.turn_off_message_logging).toBe(false);
  });

  it('dev sends no traces', () => {
    const { config, env } = gateway(stacksOf('dev'), 'dev');
    expect(config.litellm_settings.callbacks).toEqual(['prometheus']);
    expect(tracingEnv(env)).toEqual([]);
  });

  it('lists the Langfuse Secret for `inference-stack secrets` (the gateway namespace)', () => {
    const tf = stacksOf('prod')['prod-gateway']! as any;
    const text = JSON.stringify(tf);
    expect(text).toContain('langfuse-keys');
  });
});

describe('an OpenTelemetry collector', () => {
  const env = presetEnv('prod');
  const endpoint = 'http://otel-collector.observability.svc.cluster.local:4318';
  const otel = synthEnvJson({
    ...env,
    observability: { ...env.observability, tracing: { type: 'otel', endpoint, protocol: 'http/protobuf', headersSecret: { name: 'otlp-headers', key: 'headers' }, modelServers: true } },
  } as Environment);

  it('gives the gateway the otel callback and OTEL_* env, the headers from the Secret', () => {
    const { config, env: e } = gateway(otel, 'prod');
    expect(config.litellm_settings.callbacks).toEqual(['prometheus', 'otel', AUDIT_ENTRY]);
    expect(e.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(endpoint);
    expect(e.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('http/protobuf');
    expect(e.OTEL_SERVICE_NAME).toBe('litellm-gateway');
    expect(e.OTEL_ENVIRONMENT_NAME).toBe('prod');
    expect(e.OTEL_EXPORTER_OTLP_HEADERS).toEqual({ secretKeyRef: { name: 'otlp-headers', key: 'headers' } });
    expect(tracingEnv(e).filter((k) => k.startsWith('LANGFUSE'))).toEqual([]);
  });

  it("sends vLLM's own spans to the collector's traces path; TGI and the multi-node group get no flag", () => {
    const servers = statefulSets(otel['prod-models']!);
    const vllm = Object.values(servers).filter((s: any) => s.metadata.labels?.['inference-stack.io/engine'] === 'vllm');
    expect(vllm.length).toBeGreaterThan(0);
    for (const s of vllm as any[]) {
      const c = s.spec.template.spec.container[0];
      expect(c.args[c.args.indexOf('--otlp-traces-endpoint') + 1]).toBe(`${endpoint}/v1/traces`);
      expect(c.env).toContainEqual({ name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', value: 'http/protobuf' });
    }
    for (const s of Object.values(servers) as any[]) {
      if (s.metadata.labels?.['inference-stack.io/engine'] !== 'vllm') expect(s.spec.template.spec.container[0].args ?? []).not.toContain('--otlp-traces-endpoint');
    }
    // and without the otel type, no vLLM flag
    for (const s of Object.values(statefulSets(stacksOf('prod')['prod-models']!)) as any[]) expect(s.spec.template.spec.container[0].args ?? []).not.toContain('--otlp-traces-endpoint');
  });

  it('passes a gRPC collector address to vLLM as it is', () => {
    const grpc = synthEnvJson({ ...env, observability: { ...env.observability, tracing: { type: 'otel', endpoint: 'http://collector:4317', protocol: 'grpc', modelServers: true } } } as Environment);
    const vllm = (Object.values(statefulSets(grpc['prod-models']!)) as any[]).find((s) => s.metadata.labels?.['inference-stack.io/engine'] === 'vllm');
    const c = vllm.spec.template.spec.container[0];
    expect(c.args[c.args.indexOf('--otlp-traces-endpoint') + 1]).toBe('http://collector:4317');
  });

  it('uses only keys, callbacks, env vars and flags upstream documents', () => {
    const litellmSettings = new Set([...base.litellm_settings!, ...keysOf(more.litellm_settings_callbacks), ...keysOf(more.json_logging).filter((k) => k.startsWith('litellm_settings.')).map((k) => k.slice('litellm_settings.'.length))]);
    const envVars = new Set([...keysOf(more.langfuse_env_vars), ...keysOf(more.otel_env_vars)]);
    for (const [stacks, name] of [[otel, 'prod'], [stacksOf('prod'), 'prod'], [stacksOf('staging'), 'staging']] as const) {
      const { config, env: e } = gateway(stacks, name);
      for (const k of Object.keys(config.litellm_settings)) expect(litellmSettings, k).toContain(k);
      // Besides our own audit callback (a CustomLogger file, test/constructs/litellm-gateway.test.ts), only upstream's.
      for (const cb of config.litellm_settings.callbacks.filter((c: string) => c !== AUDIT_ENTRY)) expect(keysOf(more.callback_values)).toContain(cb);
      for (const k of tracingEnv(e)) expect(envVars, k).toContain(k);
    }
    expect(vllmFlags).toContain('--otlp-traces-endpoint');
  });
});

describe('bad tracing settings, with where and how to fix', () => {
  const cases: Array<[string, object, RegExp]> = [
    ['a Langfuse host over http', { type: 'langfuse', external: { host: 'http://langfuse.example.com', publicKeySecret: { name: 'lf' }, secretKeySecret: { name: 'lf' } } }, /observability\.tracing\.external\.host: "http:\/\/langfuse\.example\.com" is not an https URL without credentials; use e\.g\. "https:\/\/langfuse\.example\.com"/],
    ['a Langfuse key written in the file', { type: 'langfuse', external: { host: 'https://l.example.com', publicKeySecret: 'pk-lf-1234', secretKeySecret: { name: 'lf' } } }, /observability\.tracing\.external\.publicKeySecret: expected object/],
    ['Langfuse both external and in the cluster', { type: 'langfuse', external: { host: 'https://l.example.com', publicKeySecret: { name: 'lf' }, secretKeySecret: { name: 'lf' } }, inCluster: { publicKeySecret: { name: 'lf' }, secretKeySecret: { name: 'lf' } } }, /observability\.tracing\.inCluster: langfuse tracing needs exactly one of "external" \(a Langfuse you run elsewhere\) and "inCluster" \(run it here\); remove one/],
    ['Langfuse neither external nor in the cluster', { type: 'langfuse' }, /observability\.tracing: langfuse tracing needs exactly one of "external" .* add one/],
    ['an in-cluster Langfuse with a bad credentials Secret name', { type: 'langfuse', inCluster: { credentialsSecret: 'Langfuse_Creds', publicKeySecret: { name: 'lf' }, secretKeySecret: { name: 'lf' } } }, /observability\.tracing\.inCluster\.credentialsSecret: "Langfuse_Creds" is not a Secret name/],
    ['an unknown tracing type', { type: 'jaeger', endpoint: 'http://j:4317' }, /observability\.tracing\.type: unknown tracing type "jaeger"; use one of: langfuse, otel/],
    ['an OTLP endpoint that is not a URL', { type: 'otel', endpoint: 'collector:4317' }, /observability\.tracing\.endpoint: "collector:4317" is not an http or https URL/],
  ];
  it.each(cases)('fails on %s', (_what, tracing, expected) => {
    const { env } = writeEnvs({ env: { ...MINIMAL, observability: { tracing } } });
    expect(problemsOf(env!).map(formatProblem)).toContainEqual(expect.stringMatching(expected));
  });
});

it('has no Secret value in any tracing env', () => {
  for (const preset of ['staging', 'prod']) {
    const { values } = gateway(stacksOf(preset), preset);
    for (const e of values.extraEnvVars as any[]) if (/KEY|HEADERS/.test(e.name)) expect(e.value, e.name).toBeUndefined();
  }
  expect(resourcesOf(stacksOf('prod')['prod-gateway']!, 'kubernetes_secret_v1')).toHaveLength(0);
});
