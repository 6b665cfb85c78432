import { describe, expect, it } from 'vitest';
import type { VllmServerProps } from '../../constructs/llm-server-props';
import { TGI_METRICS_PORT, TGI_PORT, TgiServer } from '../../constructs/tgi-server';
import { Testing } from '../../lib/cdktf';
import { synthConstruct } from '../support/scope';
import { llmProps, statefulSetOf } from '../support/servers';

const synth = (props: VllmServerProps) => synthConstruct((scope) => new TgiServer(scope, 'server', props));
const flag = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

describe('TgiServer', () => {
  it('renders the model pod with text-generation-launcher flags on a non-root port and a metrics port', () => {
    const { text, resources } = synth(llmProps({ tensorParallel: 2, quantization: 'awq', kvCacheDtype: 'fp8' }));
    const c = statefulSetOf(resources).spec.template.spec.container[0];
    expect(c.image).toMatch(/^ghcr\.io\/huggingface\/text-generation-inference:/);
    expect(flag(c.args, '--model-id')).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(flag(c.args, '--port')).toBe(String(TGI_PORT));
    expect(flag(c.args, '--num-shard')).toBe('2');
    expect(flag(c.args, '--quantize')).toBe('awq');
    expect(flag(c.args, '--kv-cache-dtype')).toBe('fp8_e4m3fn');
    expect(flag(c.args, '--max-input-tokens')).toBe('8191');
    expect(flag(c.args, '--huggingface-hub-cache')).toBe('/cache/huggingface/hub');
    expect(c.port).toEqual([{ name: 'http', container_port: TGI_PORT }, { name: 'metrics', container_port: TGI_METRICS_PORT }]);
    expect(Testing.toHaveResourceWithProperties(text, 'kubernetes_service_v1', { spec: { port: [{ name: 'http', port: TGI_PORT }, { name: 'metrics', port: TGI_METRICS_PORT }] } })).toBe(true);
  });

  it('probes /health for startup and readiness, and only the port for liveness', () => {
    const c = statefulSetOf(synth(llmProps()).resources).spec.template.spec.container[0];
    expect(c.startup_probe.http_get.path).toBe('/health');
    expect(c.readiness_probe.http_get.path).toBe('/health');
    expect(c.liveness_probe.http_get).toBeUndefined();
    expect(c.liveness_probe.tcp_socket).toEqual([{ port: String(TGI_PORT) }]);
  });

  it('labels its pods with the tgi engine, for scrapes and dashboards', () => {
    const s = statefulSetOf(synth(llmProps()).resources);
    expect(s.spec.template.metadata.labels['inference-stack.io/engine']).toBe('tgi');
    expect(s.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('model-server');
  });

  it('fails when asked for pipeline parallel, which TGI does not have', () => {
    expect(() => synth(llmProps({ pipelineParallel: 2 }))).toThrow('stack/server (TgiServer): props.pipelineParallel: 2, but TGI has no pipeline parallel; use tensorParallel (up to 8 GPUs of one node) instead, or VllmServer');
  });
});

describe('TgiServer from the small props', () => {
  it('takes the planner\'s tensor parallel as --num-shard and its context as --max-total-tokens, and is an IModelServer', () => {
    let server: TgiServer | undefined;
    const { resources } = synthConstruct((s) => {
      server = new TgiServer(s, 'qwen', { model: 'Qwen/Qwen2.5-14B-Instruct', pool: { name: 'l4', gpu: 'l4-24gb', gpusPerNode: 4 } });
    });
    // 14.77e9 parameters x 2 bytes = 29.5 GB: more than one L4, so two shards
    expect(server!.settings.tensorParallel).toBe(2);
    const c = statefulSetOf(resources).spec.template.spec.container[0];
    expect(flag(c.args, '--num-shard')).toBe('2');
    expect(flag(c.args, '--max-total-tokens')).toBe(String(server!.settings.maxModelLen));
    expect(server!).toMatchObject({ engine: 'tgi', serviceName: 'qwen2-5-14b-instruct', url: `http://qwen2-5-14b-instruct.models.svc.cluster.local:${TGI_PORT}` });
  });
});
