/**
 * The command-line flags of the model servers at the versions we pin, and the flags the toolkit sets itself.
 *
 * server-flags.json is extracted from the upstream flag lists (shared/upstream/flags/, each read from the
 * project's source at the commit named in its `source`); test/catalog/server-flags.test.ts checks that the copy
 * matches them when they are present. The product reads only this copy.
 */
import FLAGS from './server-flags.json';

export interface ServerFlagList {
  readonly source: { readonly file: string; readonly project: string; readonly commit: string; readonly version: string };
  /** Long flags, `--kebab-case`. */
  readonly flags: readonly string[];
  /** Short aliases; a list where one alias names several flags (clap). */
  readonly shortAliases: Readonly<Record<string, string | readonly string[]>>;
  /** Flags that take no value. */
  readonly switches: readonly string[];
  /** Flags that also accept `--no-<name>` (argparse BooleanOptionalAction). */
  readonly negatable: readonly string[];
  /** Flags added upstream after the baseline of the pinned release: they may be missing from the image. */
  readonly recentlyAdded: readonly string[];
  /** Flags this version no longer accepts. */
  readonly removed: readonly string[];
  /** The server treats `_` in a flag name as `-` (vLLM's FlexibleArgumentParser; clap does not). */
  readonly underscoresAsDashes: boolean;
}

export const SERVER_FLAGS: Readonly<Record<'vllm' | 'tgi', ServerFlagList>> = {
  vllm: {
    source: FLAGS.vllm.source,
    flags: FLAGS.vllm.flags,
    shortAliases: FLAGS.vllm.shortAliases,
    switches: FLAGS.vllm.negatableBooleanFlags,
    negatable: FLAGS.vllm.negatableBooleanFlags,
    recentlyAdded: FLAGS.vllm.recentlyAdded,
    removed: FLAGS.vllm.removed,
    underscoresAsDashes: true,
  },
  tgi: {
    source: FLAGS.tgi.source,
    flags: FLAGS.tgi.flags,
    shortAliases: FLAGS.tgi.shortAliases,
    switches: FLAGS.tgi.boolSwitchFlags,
    negatable: [],
    recentlyAdded: [],
    removed: [],
    underscoresAsDashes: false,
  },
};

/**
 * Flags the toolkit sets (constructs/vllm-server.ts, multi-node-vllm-server.ts, tgi-server.ts), each with the
 * field that sets it, or why no extra argument may: extraArgs may not set them again in any spelling.
 * test/constructs/server-flags.test.ts checks that every flag in a synthesized command line is listed here.
 */
export const MANAGED_FLAGS: Readonly<Record<'vllm' | 'tgi', Readonly<Record<string, string>>>> = {
  vllm: {
    '--model': 'model',
    '--revision': 'revision',
    '--code-revision': 'revision',
    '--served-model-name': 'name',
    '--host': 'fixed: the Service routes to it',
    '--port': 'fixed: the Service routes to it',
    '--tensor-parallel-size': 'tensorParallel',
    '--pipeline-parallel-size': 'pipelineParallel',
    '--data-parallel-size': 'replicas',
    '--max-model-len': 'maxModelLen',
    '--gpu-memory-utilization': 'gpuMemoryUtilization',
    '--quantization': 'quantization',
    '--kv-cache-dtype': 'kvCacheDtype',
    '--trust-remote-code': 'trustRemoteCode',
    '--api-key': 'fixed: the gateway authenticates clients',
    '--config': 'fixed: it would read flags from a file, past these checks',
    '--distributed-executor-backend': 'fixed: multi-node serving',
    '--nnodes': 'pipelineParallel',
    '--master-addr': 'fixed: multi-node serving',
    '--master-port': 'fixed: multi-node serving',
    '--node-rank': 'fixed: multi-node serving',
    '--headless': 'fixed: multi-node serving',
    '--load-format': 'loading.format',
    '--model-loader-extra-config': 'loading.concurrency',
  },
  tgi: {
    '--model-id': 'model',
    '--revision': 'revision',
    '--num-shard': 'tensorParallel',
    '--sharded': 'tensorParallel',
    '--quantize': 'quantization',
    '--max-total-tokens': 'maxModelLen',
    '--max-input-tokens': 'maxModelLen',
    '--max-input-length': 'maxModelLen',
    '--cuda-memory-fraction': 'gpuMemoryUtilization',
    '--kv-cache-dtype': 'kvCacheDtype',
    '--trust-remote-code': 'trustRemoteCode',
    '--hostname': 'fixed: the Service routes to it',
    '--port': 'fixed: the Service routes to it',
    '--prometheus-port': 'fixed: the metrics scrape reads it',
    '--huggingface-hub-cache': 'fixed: the model cache volume',
    '--api-key': 'fixed: the gateway authenticates clients',
  },
};
