/**
 * Start-up time as a planned number (issue 17): how long a model server replica takes from an empty cache (cold)
 * and from a filled one (warm), and the startup-probe budget derived from them. ESTIMATES from declared
 * bandwidths (the environment's `startup:` block, or the defaults below), not measurements.
 *
 *   download      = bytes fetched / download bandwidth                    (0 when warm or prefetched)
 *   load          = bytes read per GPU / cache read rate
 *                   bytes read per GPU = max(weights per GPU, bytes fetched): every tensor-parallel worker of vLLM's
 *                   default loader and of runai_streamer (without its sharded mode) reads the whole checkpoint and
 *                   keeps its own slices (only the sharded_state loader reads a worker's own shard, and we do not
 *                   render it); the pod's memory limit keeps the page cache from sharing the reads. A 16-bit
 *                   checkpoint quantised at load (fp8) is read at 16 bit.
 *   compile       = engine start allowance: CUDA context, memory profiling, torch.compile, CUDA graph capture
 *                   (cold: empty compile cache; warm: torch.compile and Triton read back from the compile cache)
 *   cold start    = download + load + compile(cold)
 *   warm start    = load + compile(warm)
 *   probe budget  = per-replica cache: cold start; shared cache (weights prefetched by a Job): load + compile(cold),
 *                   that is the warm start with the cold compile as margin (the first start of a new revision
 *                   compiles), rounded up to the probe period (10 s)
 */

/** Default download bandwidth from the model hub, bytes/s: deliberately modest (100 MB/s), so slow links do not fail the startup probe. */
export const DEFAULT_DOWNLOAD_BYTES_PER_SECOND = 100e6;
/** Default read rate of the cache volume into one GPU worker, bytes/s (500 MB/s: a network block or file volume). */
export const DEFAULT_CACHE_READ_BYTES_PER_SECOND = 500e6;
/** Engine start besides weights with an empty compile cache: CUDA context, profiling, torch.compile, CUDA graphs. */
export const COLD_COMPILE_SECONDS = 300;
/** The same with a warm compile cache (torch.compile and Triton kernels read back; graphs still captured). */
export const WARM_COMPILE_SECONDS = 60;
/** The startup probe's period: budgets are whole periods. */
export const PROBE_PERIOD_SECONDS = 10;

/**
 * The longest scale-down stabilisation window the HPA API accepts, so the most an autoscaler can wait out a start
 * (KEDA 2.20.2 CRD keda.sh_scaledobjects.yaml: "less than or equal to 3600 (one hour)").
 */
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

/**
 * Assumed pull speed of server images, download and unpacking together: a deliberately modest 25 MB/s, as the first
 * pull of a ~10 GB image on a fresh GPU node is slow (layers unpack one at a time).
 */
export const IMAGE_PULL_BYTES_PER_SECOND = 25e6;
/**
 * Assumed (compressed) image sizes, bytes: upper bounds, not measured (no registry was reachable from here).
 * - vLLM `vllm/vllm-openai`: about 10 GB (issue 13 item 7; CUDA, PyTorch and FlashInfer wheels in the image).
 * - TGI: 10 GB, as vLLM (same kind of CUDA + PyTorch image; Dockerfile at v3.3.7 builds on nvidia/cuda with torch).
 * - TEI on GPU 2 GB (a Rust binary on an nvidia/cuda runtime base), on CPU 1 GB (debian-slim plus ONNX/candle).
 * - Ollama 4 GB (its image carries the CUDA and ROCm runtime libraries).
 * A custom `image` counts as its engine's.
 */
export const IMAGE_BYTES = { vllm: 10e9, tgi: 10e9, ollama: 4e9, 'tei-gpu': 2e9, 'tei-cpu': 1e9 } as const;
export type ImageKind = keyof typeof IMAGE_BYTES;
/** Seconds to pull an image of that kind at the assumed speed. */
export function imagePullSeconds(kind: ImageKind): number {
  return Math.ceil(IMAGE_BYTES[kind] / IMAGE_PULL_BYTES_PER_SECOND);
}

export const CACHE_MODES = ['per-replica', 'shared'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export interface StartupRates {
  /** Bytes/s from the model hub into the cache. */
  readonly downloadBytesPerSecond: number;
  /** Bytes/s from the cache volume into one GPU worker. */
  readonly cacheReadBytesPerSecond: number;
}

export const DEFAULT_STARTUP_RATES: StartupRates = {
  downloadBytesPerSecond: DEFAULT_DOWNLOAD_BYTES_PER_SECOND,
  cacheReadBytesPerSecond: DEFAULT_CACHE_READ_BYTES_PER_SECOND,
};

export interface StartupInput {
  /** Bytes the engine (or the prefetch Job) fetches from the hub for one revision. */
  readonly downloadBytes: number;
  /** Bytes loaded into each GPU. */
  readonly weightBytesPerGpu: number;
  /** GPUs of one replica (0 on CPU counts as 1). */
  readonly gpus: number;
  /** shared: one ReadWriteMany cache filled once per revision by a prefetch Job; per-replica: each replica downloads. */
  readonly cacheMode: CacheMode;
  readonly rates?: StartupRates;
}

export interface StartupPlan {
  readonly cacheMode: CacheMode;
  /** Bytes fetched from the hub: per replica (per-replica cache) or once per revision (shared). */
  readonly bytesFetched: number;
  readonly downloadSeconds: number;
  /** Bytes each GPU worker reads from the cache: the whole checkpoint (every tensor-parallel worker reads all of it). */
  readonly readBytesPerGpu: number;
  readonly loadSeconds: number;
  readonly coldCompileSeconds: number;
  readonly warmCompileSeconds: number;
  /** Empty cache: download + load + cold compile. */
  readonly coldStartSeconds: number;
  /** Filled cache, warm compile cache: load + warm compile. */
  readonly warmStartSeconds: number;
  /** The startup probe's budget, whole probe periods. */
  readonly probeBudgetSeconds: number;
}

/** Seconds rounded up to whole probe periods. */
export function wholePeriods(seconds: number): number {
  return Math.ceil(seconds / PROBE_PERIOD_SECONDS) * PROBE_PERIOD_SECONDS;
}

/** The start-up estimate of one replica (formula in the header and README "Start-up time"). */
export function planStartup(i: StartupInput): StartupPlan {
  const rates = i.rates ?? DEFAULT_STARTUP_RATES;
  const downloadSeconds = i.downloadBytes / rates.downloadBytesPerSecond;
  // Every tensor-parallel worker reads the whole checkpoint (vLLM's default and runai_streamer loaders), not its share.
  const readBytesPerGpu = Math.max(i.weightBytesPerGpu, i.downloadBytes);
  const loadSeconds = readBytesPerGpu / rates.cacheReadBytesPerSecond;
  const coldStartSeconds = downloadSeconds + loadSeconds + COLD_COMPILE_SECONDS;
  const warmStartSeconds = loadSeconds + WARM_COMPILE_SECONDS;
  const budget = i.cacheMode === 'shared' ? loadSeconds + COLD_COMPILE_SECONDS : coldStartSeconds;
  return {
    cacheMode: i.cacheMode,
    bytesFetched: i.downloadBytes,
    downloadSeconds,
    readBytesPerGpu,
    loadSeconds,
    coldCompileSeconds: COLD_COMPILE_SECONDS,
    warmCompileSeconds: WARM_COMPILE_SECONDS,
    coldStartSeconds,
    warmStartSeconds,
    probeBudgetSeconds: wholePeriods(budget),
  };
}

/** Megabytes per second (decimal, as links and disks are rated) as bytes per second. */
export const mbps = (mb: number) => mb * 1e6;
