/**
 * Every flag we hand a model server, extraArgs included, exists in the upstream flag list of the server version
 * we pin (facts/upstream/flags/, from ../shared/upstream/flags/), with values among the upstream choices.
 */
import { describe, expect, it } from 'vitest';
import { SERVER_VERSIONS } from '../../catalog/images';
import { FIXTURES, PRESETS, fixtureEnv, presetEnv, statefulSets, synthEnvJson } from '../support/synth';
import { readFacts } from '../support/upstream';

const read = (file: string) => readFacts<unknown>(`flags/${file}`);
const vllm = read('vllm-main-6adad087.json') as {
  flags: string[];
  short_aliases: Record<string, string>;
  negatable_boolean_flags: string[];
  quantization_choices: string[];
  kv_cache_dtype_choices: string[];
  recent_flag_changes: { changes: Array<{ added: string[]; removed: string[] }> };
  not_accepted_here: string[];
};
const tgi = read(`text-generation-inference-v${SERVER_VERSIONS.tgi}.json`) as { flags: string[]; quantize_choices: string[]; kv_cache_dtype_choices: string[] };
const tei = read(`text-embeddings-inference-v${SERVER_VERSIONS.tei}.json`) as { flags: string[] };

/** vLLM flags that exist both at v0.27.1 (the image) and at the listed main: the list minus recent additions. */
const recentlyAdded = new Set(vllm.recent_flag_changes.changes.flatMap((c) => c.added));
const vllmFlags = new Set([
  ...vllm.flags.filter((f) => !recentlyAdded.has(f)),
  ...Object.keys(vllm.short_aliases),
  ...vllm.negatable_boolean_flags.filter((f) => !recentlyAdded.has(f)).map((f) => f.replace(/^--/, '--no-')),
]);

function flagsOf(args: readonly string[]): Array<{ flag: string; value?: string }> {
  const out: Array<{ flag: string; value?: string }> = [];
  args.forEach((a, i) => {
    if (!a.startsWith('-')) return;
    const [flag, inline] = a.split('=', 2) as [string, string | undefined];
    const next = args[i + 1];
    out.push({ flag, value: inline ?? (next !== undefined && !next.startsWith('-') ? next : undefined) });
  });
  return out;
}

const environments = [...PRESETS.map((p) => ({ name: p, env: presetEnv(p) })), { name: 'all-engines', env: fixtureEnv('all-engines') }, { name: 'multi-node', env: fixtureEnv('multi-node') }];

/** The vLLM containers of StatefulSets and of LeaderWorkerSet pod templates: args and image. */
function vllmContainers(tfs: ReturnType<typeof synthEnvJson>): Array<{ name: string; image: string; args: string[] }> {
  return Object.values(tfs).flatMap((tf) => [
    ...Object.values(statefulSets(tf)).map((s) => ({ ...s.spec.template.spec.container[0]!, name: s.metadata.name })),
    ...(Object.values((tf.resource?.kubernetes_manifest ?? {}) as Record<string, any>))
      .map((m) => m.manifest)
      .filter((m) => m.kind === 'LeaderWorkerSet')
      .flatMap((m) => ['leaderTemplate', 'workerTemplate'].map((t) => ({ ...m.spec.leaderWorkerTemplate[t].spec.containers[0], name: `${m.metadata.name} ${t}` }))),
  ]);
}

describe.each(environments)('server flags of $name', ({ env }) => {
  const tfs = synthEnvJson(env);
  const sets = Object.values(tfs).flatMap((tf) => Object.values(statefulSets(tf)));

  it('vLLM: every flag exists in the pinned release line and is not an old, rejected one', () => {
    for (const c of vllmContainers(tfs).filter((x) => x.image.startsWith('vllm/'))) {
      for (const { flag, value } of flagsOf(c.args)) {
        expect(vllm.not_accepted_here, `${c.name}: ${flag}`).not.toContain(flag);
        expect(vllmFlags.has(flag), `${c.name}: ${flag} is not a vLLM ${SERVER_VERSIONS.vllm} flag`).toBe(true);
        if (flag === '--quantization') expect(vllm.quantization_choices).toContain(value);
        if (flag === '--kv-cache-dtype') expect(vllm.kv_cache_dtype_choices).toContain(value);
      }
    }
  });

  it('TGI and TEI: every flag exists in the pinned version', () => {
    for (const s of sets) {
      const c = s.spec.template.spec.container[0]!;
      const known = c.image.includes('text-generation-inference') ? tgi.flags : c.image.includes('text-embeddings-inference') ? tei.flags : undefined;
      if (!known) continue;
      for (const { flag, value } of flagsOf(c.args)) {
        expect(known, `${s.metadata.name}: ${flag}`).toContain(flag);
        if (c.image.includes('text-generation-inference') && flag === '--quantize') expect(tgi.quantize_choices).toContain(value);
        if (c.image.includes('text-generation-inference') && flag === '--kv-cache-dtype') expect(tgi.kv_cache_dtype_choices).toContain(value);
      }
    }
  });
});

describe('the flag check', () => {
  it('knows the fixture exercises every engine', () => {
    const images = Object.values(synthEnvJson(fixtureEnv('all-engines'))).flatMap((tf) => Object.values(statefulSets(tf)).map((s) => s.spec.template.spec.container[0]!.image.split(':')[0]));
    // TGI runs from a derived non-root image (the upstream one runs only as root: text-generation-inference#3082);
    // its name still says text-generation-inference, which is how the TGI flag check finds it.
    expect(new Set(images)).toEqual(new Set(['vllm/vllm-openai', 'registry.example.com/ml/text-generation-inference-nonroot', 'ollama/ollama', 'ghcr.io/huggingface/text-embeddings-inference']));
    expect(FIXTURES).toMatch(/fixtures/);
  });

  it('catches a flag vLLM does not take at this version', () => {
    expect(vllmFlags.has('--swap-space')).toBe(false); // removed upstream
    expect(vllmFlags.has('--enable-fault-tolerance')).toBe(false); // added after v0.27.1
    expect(vllmFlags.has('--tensor-parallel-size')).toBe(true);
    expect(vllmFlags.has('--no-enable-prefix-caching')).toBe(true);
  });
});
