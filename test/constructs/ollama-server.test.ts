import { describe, expect, it } from 'vitest';
import { MODELS } from '../../catalog/models';
import type { OllamaServerProps } from '../../constructs/llm-server-props';
import { OLLAMA_PORT, OllamaServer } from '../../constructs/ollama-server';
import { synthConstruct } from '../support/scope';
import { llmProps, statefulSetOf } from '../support/servers';

const synth = (props: OllamaServerProps) => synthConstruct((scope) => new OllamaServer(scope, 'server', props));
const props = (over: Partial<OllamaServerProps> = {}): OllamaServerProps => ({ ...llmProps(), ollamaTag: 'llama3.1:8b-instruct-q4_K_M', ...over });

describe('OllamaServer', () => {
  it('starts the server, pulls its tag into the cache volume and serves it', () => {
    const c = statefulSetOf(synth(props()).resources).spec.template.spec.container[0];
    expect(c.command).toEqual(['/bin/sh', '-c']);
    expect(c.args).toEqual(['ollama serve & server=$!; sleep 5; ollama pull llama3.1:8b-instruct-q4_K_M || exit 1; wait $server']);
    const env = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ OLLAMA_HOST: `0.0.0.0:${OLLAMA_PORT}`, OLLAMA_MODELS: '/cache/ollama', OLLAMA_KEEP_ALIVE: '-1', HOME: '/home/inference' });
    expect(c.volume_mount.map((m: { mount_path: string }) => m.mount_path)).toContain('/cache');
  });

  it('ignores extra server flags given by a caller that spreads vLLM props (the shell command takes none)', () => {
    const c = statefulSetOf(synth({ ...llmProps({ extraArgs: ['--whatever'] }), ollamaTag: 'llama3.1:8b-instruct-q4_K_M' }).resources).spec.template.spec.container[0];
    expect(c.args).toHaveLength(1);
  });

  it('probes / for startup and /api/tags for readiness', () => {
    const c = statefulSetOf(synth(props()).resources).spec.template.spec.container[0];
    expect([c.startup_probe.http_get.path, c.readiness_probe.http_get.path]).toEqual(['/', '/api/tags']);
    expect(c.readiness_probe.http_get.port).toBe(String(OLLAMA_PORT));
  });

  it('fails when the tag is not an Ollama model name (it goes into a shell command)', () => {
    expect(() => synth(props({ ollamaTag: 'llama; rm -rf /' }))).toThrow(`server (OllamaServer): props.ollamaTag: "llama; rm -rf /" is not a model name of Ollama's library`);
  });
});

describe('OllamaServer from the small props', () => {
  it("takes the catalogue's Ollama tag and sizes its cache from the model, on one GPU", () => {
    let server: OllamaServer | undefined;
    const { resources } = synthConstruct((s) => {
      server = new OllamaServer(s, 'mistral', { model: 'mistralai/Mistral-7B-Instruct-v0.3', pool: { name: 'l4', gpu: 'l4-24gb' } });
    });
    expect(server!.ollamaTag).toBe(MODELS['mistralai/Mistral-7B-Instruct-v0.3']!.ollamaTag);
    const sts = statefulSetOf(resources);
    expect(sts.spec.template.spec.container[0].args[0]).toContain(`ollama pull ${server!.ollamaTag} `);
    expect(sts.spec.template.spec.container[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(server!).toMatchObject({ engine: 'ollama', namespace: 'models', url: `http://mistral-7b-instruct-v0-3.models.svc.cluster.local:${OLLAMA_PORT}` });
  });
});
