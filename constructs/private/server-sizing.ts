/**
 * Sizing of model servers from the model: probes that cover download and load, /dev/shm for tensor parallel,
 * host memory and CPU, and the cache volume.
 */
import {
  COLD_COMPILE_SECONDS,
  DEFAULT_CACHE_READ_BYTES_PER_SECOND,
  DEFAULT_DOWNLOAD_BYTES_PER_SECOND,
  IMAGE_BYTES,
  IMAGE_PULL_BYTES_PER_SECOND,
  imagePullSeconds,
  PROBE_PERIOD_SECONDS,
  type ImageKind,
  planStartup,
  type CacheMode,
  type StartupRates,
} from '../../catalog/startup';
import type { ServerLoad } from '../llm-server-props';
import { GIB, PATHS, type EnvVar, type Probe } from './model-pod';

/** Assumed download speed from the model hub (catalog/startup.ts; an environment declares its own). */
export const DOWNLOAD_BYTES_PER_SECOND = DEFAULT_DOWNLOAD_BYTES_PER_SECOND;
/** Assumed speed of loading weights from the cache volume into one GPU. */
export const LOAD_BYTES_PER_SECOND = DEFAULT_CACHE_READ_BYTES_PER_SECOND;
/** Engine start-up besides weights: CUDA context, profiling, CUDA graph capture, compilation (empty compile cache). */
export const ENGINE_START_SECONDS = COLD_COMPILE_SECONDS;

// The image pull assumptions (IMAGE_PULL_BYTES_PER_SECOND, IMAGE_BYTES, imagePullSeconds) live in catalog/startup.ts,
// beside the start-up estimate: the slow-start alert adds the same pull allowance.
export { IMAGE_BYTES, IMAGE_PULL_BYTES_PER_SECOND, imagePullSeconds, type ImageKind };
/** Scheduling, volume provisioning and attachment, container creation: beyond pull and startup. */
export const ROLLOUT_SLACK_SECONDS = 600;

/**
 * How long Terraform waits for a server's rollout, the one formula for StatefulSets and LeaderWorkerSets:
 * one pod = image pull + startup budget (download, load, engine start); create starts the pods together
 * (`Parallel`), an update replaces them one at a time; plus the scheduling slack.
 *   create = pull + budget + slack;  update = max(1, replicas) x (pull + budget) + slack
 * A LeaderWorkerSet is a `kubernetes_manifest` without a `wait` block: Terraform does not wait for its rollout, so
 * there these are only the operation's limits (README, Known limitations).
 */
export function rolloutTimeouts(p: { readonly image: ImageKind; readonly startupBudgetSeconds: number; readonly replicas: number }): { readonly create: string; readonly update: string } {
  const pod = imagePullSeconds(p.image) + p.startupBudgetSeconds;
  return { create: `${pod + ROLLOUT_SLACK_SECONDS}s`, update: `${Math.max(1, p.replicas) * pod + ROLLOUT_SLACK_SECONDS}s` };
}

/**
 * Startup budget (catalog/startup.ts `planStartup`): per-replica cache, download + load + engine start, so that a
 * first start on an empty cache does not get killed; shared cache (weights prefetched), load + engine start.
 */
export function startupBudgetSeconds(load: ServerLoad, cacheMode: CacheMode = 'per-replica', rates?: StartupRates): number {
  return planStartup({ downloadBytes: load.downloadBytes, weightBytesPerGpu: load.weightBytesPerGpu, gpus: load.gpus, cacheMode, rates }).probeBudgetSeconds;
}

export interface ServerProbes {
  readonly startup: Probe;
  readonly readiness: Probe;
  readonly liveness: Probe;
  readonly startupBudgetSeconds: number;
}

/**
 * Startup on `health` with a budget sized from the load; readiness on `ready` (serving requests); liveness a
 * slower, more tolerant check on `live` (the process answers at all), so a busy server is taken out of the
 * Service before it is restarted.
 */
export function serverProbes(budgetSeconds: number, paths: { health: string; ready: string; live?: string }): ServerProbes {
  return {
    startupBudgetSeconds: budgetSeconds,
    startup: { path: paths.health, periodSeconds: PROBE_PERIOD_SECONDS, failureThreshold: Math.ceil(budgetSeconds / PROBE_PERIOD_SECONDS) },
    readiness: { path: paths.ready, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 },
    liveness: { path: paths.live, periodSeconds: 30, failureThreshold: 5, timeoutSeconds: 10 },
  };
}

/** /dev/shm: NCCL and the engine's worker processes exchange tensors through it; 1 GiB per GPU plus 1 GiB. */
export function shmBytes(gpus: number): number {
  return (gpus + 1) * GIB;
}

/** Host memory (besides /dev/shm): 8 GiB for the engine and tokenizer, 4 GiB per GPU worker. */
export function hostMemoryBytes(gpus: number): number {
  return 8 * GIB + 4 * GIB * gpus;
}

/** CPU request: two cores for the API server and scheduler, two per GPU worker. */
export function cpuRequest(gpus: number): string {
  return String(2 + 2 * gpus);
}

/** Cache volume: what the engine downloads with 20% to spare plus 10 GiB for compile caches and a second revision's files. */
export function cacheSizeGiB(downloadBytes: number): number {
  return Math.ceil((downloadBytes * 1.2) / GIB) + 10;
}

/**
 * A created shared cache claim: two revisions' downloads with 10% to spare each, plus 10 GiB for compile caches and
 * the prefetch Job's home (xet chunk cache). Nothing prunes the previous revision's blobs (servers still on it read
 * them until the rollout replaces them), so the first revision bump holds both.
 */
export function sharedCacheSizeGiB(downloadBytes: number): number {
  return Math.ceil((downloadBytes * 2.2) / GIB) + 10;
}

/** HOME and caches on the writable volumes, so the server runs as non-root on any image. */
export function cacheEnv(extra: Readonly<Record<string, string>> = {}): EnvVar[] {
  const env: Record<string, string> = {
    HOME: PATHS.home,
    // The UID has no passwd entry in most images: Python's getpass and friends read USER first.
    USER: 'inference',
    XDG_CACHE_HOME: `${PATHS.cache}/xdg`,
    HF_HOME: `${PATHS.cache}/huggingface`,
    ...extra,
  };
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name]! }));
}
