/**
 * A server's shared model cache (issue 17): the prefetch Job (and claim) that fills it, the pod's mounts of it, and
 * the environment that makes the engine read it offline and write its compile caches on it.
 */
import { MODELS } from '../../catalog/models';
import { ModelPrefetchJob, prefetchPatterns } from '../model-prefetch-job';
import { ConstructPropsError } from '../props-error';
import type { LlmServerSettings } from '../llm-server-props';
import type { Construct } from '../../lib/cdktf';
import { PATHS, type SharedCacheMount } from './model-pod';
import { sharedCacheSizeGiB } from './server-sizing';

export interface SharedCache {
  readonly prefetch: ModelPrefetchJob;
  readonly mount: SharedCacheMount;
  /** Environment of the server container: the hub cache read-only and offline, compile caches on the claim. */
  readonly env: Readonly<Record<string, string>>;
}

/** The prefetch patterns of a server's shared cache: the Job fetches by them, vLLM is given the same ignore list. */
export function sharedCachePatterns(props: Pick<LlmServerSettings, 'model' | 'trustRemoteCode'>): ReturnType<typeof prefetchPatterns> {
  return prefetchPatterns({ consolidated: MODELS[props.model]?.repoSafetensorsBytes !== undefined, trustRemoteCode: props.trustRemoteCode ?? false });
}

// vLLM's arguments on a shared cache: `--ignore-patterns` (a list flag, one argument per pattern) with the Job's
// ignore list, replacing vLLM's default `original/**/*`. Offline, huggingface_hub's snapshot_download raises
// IncompleteSnapshotError when a file of the cached tree that matches the caller's patterns is missing; with the
// same ignore list, vLLM expects exactly the safetensors files the Job fetched (fnmatch's `*` crosses `/`, so
// `original/*` covers everything `original/**/*` does, and also gpt-oss's `original/*.safetensors`, which vLLM's
// default does not match).
export function sharedCacheVllmArgs(props: LlmServerSettings): string[] {
  if (props.cache?.mode !== 'shared') return [];
  return ['--ignore-patterns', ...sharedCachePatterns(props).ignore];
}

/** The shared cache of a server whose `cache.mode` is `shared`; undefined otherwise. */
export function sharedCache(scope: Construct, props: LlmServerSettings, engine: 'vllm' | 'tgi' | 'ollama', kindName?: string): SharedCache | undefined {
  if (props.cache?.mode !== 'shared') return undefined;
  // TGI's launcher takes its hub cache by flag and Ollama pulls its own builds: the shared cache is vLLM's.
  const kind = kindName ?? { vllm: 'VllmServer', tgi: 'TgiServer', ollama: 'OllamaServer' }[engine];
  const fail = (prop: string, problem: string): never => {
    throw new ConstructPropsError(scope, kind, prop, problem);
  };
  if (engine !== 'vllm') return fail('cache.mode', `"shared" is filled for vLLM only (TGI takes its hub cache by flag, Ollama pulls its own builds); use mode "per-replica"`);
  if (!props.revision) return fail('revision', `missing: a shared cache is filled once per pinned revision; pass the model repo's commit SHA`);
  const existingClaim = props.cache.existingClaim;
  const storageClass = props.cache.storageClass;
  if (!existingClaim && !storageClass) {
    return fail('cache.storageClass', 'missing: a shared cache needs a ReadWriteMany claim; pass cache.existingClaim, or cache.storageClass of a class that provides ReadWriteMany');
  }
  const prefetch = new ModelPrefetchJob(scope, 'prefetch', {
    name: props.name,
    namespace: props.namespace,
    model: props.model,
    revision: props.revision,
    claim: existingClaim ? { existingClaim } : { storageClass: storageClass!, sizeGiB: props.cache.sizeGiB ?? sharedCacheSizeGiB(props.load.downloadBytes) },
    patterns: sharedCachePatterns(props),
    hfTokenSecret: props.hfTokenSecret,
    bytes: props.load.downloadBytes,
    downloadBytesPerSecond: props.startupRates?.downloadBytesPerSecond,
  });
  return {
    prefetch,
    mount: { claimName: prefetch.claimName, hubSubPath: prefetch.hubSubPath, compileSubPath: prefetch.compileSubPath },
    env: {
      HF_HUB_CACHE: PATHS.weights,
      HF_HUB_OFFLINE: '1',
      TRANSFORMERS_OFFLINE: '1',
      TRITON_CACHE_DIR: `${PATHS.cache}/triton`,
    },
  };
}
