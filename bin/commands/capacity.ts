/** `inference-stack capacity --env X [--json]`: will the models fit, and how many users can they serve. */
import pc from 'picocolors';
import { PINNED_VLLM } from '../../catalog/planner';
import type { ResolvedEnvironment } from '../../environments/resolve';

export interface ModelCapacity {
  readonly model: string;
  readonly engine: string;
  readonly pool: string;
  readonly gpu: string;
  readonly tensorParallel: number;
  readonly pipelineParallel: number;
  readonly replicas: number;
  /** The autoscaling range, when the model autoscales. */
  readonly autoscaling?: { readonly min: number; readonly max: number };
  /** Nodes one replica spans (pipeline stages across nodes), 1 for a single-node server. */
  readonly nodesPerReplica: number;
  readonly quantization: string;
  readonly maxModelLen: number;
  readonly weightsPerGpuGiB: number;
  /** vLLM's memory per GPU besides weights and KV cache, as planned (README "Capacity planner"). */
  readonly overheadPerGpuGiB: number;
  /** The model runner the pinned vLLM uses for it: V2 for dense models, V1 for mixtures of experts (the overhead differs). */
  readonly vllmRunner: 'v1' | 'v2';
  /** Memory per GPU outside the budget once the CUDA context and any graphs captured there are taken (may be negative). */
  readonly outsideBudgetPerGpuGiB: number;
  /** KV cache per GPU we plan with (never above what vLLM reports, on the calibration corpus). */
  readonly kvCachePerGpuGiB: number;
  /** What vLLM will likely log: "Available KV cache memory" (GiB per GPU) and "GPU KV cache size" (tokens). */
  readonly vllmLikely: { readonly kvCachePerGpuGiB: number; readonly kvCacheTokens: number };
  readonly kvCacheTokens: number;
  readonly fullLengthSequences: number;
  readonly headroomPerGpuGiB: number;
  /** Start-up ESTIMATES from the declared bandwidths (catalog/startup.ts), seconds rounded up. */
  readonly startup: ModelStartup;
}

/** A model's start-up estimate, as the report shows it (README "Start-up time"). */
export interface ModelStartup {
  readonly cacheMode: 'per-replica' | 'shared';
  /** Bytes fetched from the hub: by every replica (per-replica) or once per revision by the prefetch Job (shared). */
  readonly bytesFetched: number;
  readonly fetchedGiB: number;
  readonly downloadSeconds: number;
  readonly loadSeconds: number;
  readonly compileSeconds: number;
  readonly warmCompileSeconds: number;
  /** download + load + compile: an empty cache. */
  readonly coldStartSeconds: number;
  /** load + warm compile: a filled cache and a warm compile cache. */
  readonly warmStartSeconds: number;
  /** The startup probe's budget (startupTimeoutSeconds when set). */
  readonly probeBudgetSeconds: number;
  /** The model's startupSlo, and whether the cold start exceeds it. */
  readonly startupSlo?: number;
  readonly overSlo: boolean;
}

export interface PoolCapacity {
  readonly pool: string;
  readonly gpu: string;
  readonly sharing: string;
  /** What a pod requests for one of them (`nvidia.com/gpu`, or `nvidia.com/mig-<profile>` under the mixed MIG strategy). */
  readonly resource: string;
  readonly gpus: number;
  readonly used: number;
  readonly free: number;
}

export interface CapacityReport {
  readonly environment: string;
  readonly models: readonly ModelCapacity[];
  readonly pools: readonly PoolCapacity[];
}

const round1 = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10;

/** The resolved plans and pools (environments/resolve.ts), rounded for people. */
export function capacityReport(r: ResolvedEnvironment): CapacityReport {
  return {
    environment: r.env.name,
    models: r.models.map((m): ModelCapacity => {
      const pool = r.pools.find((p) => p.name === m.spec.pool)!;
      const p = m.plan;
      return {
        model: m.spec.name,
        engine: m.spec.engine,
        pool: m.spec.pool,
        gpu: pool.spec.sharing.mode === 'mig' ? `${pool.gpu.key} ${pool.spec.sharing.profile}` : pool.gpu.key,
        tensorParallel: m.spec.tensorParallel,
        pipelineParallel: m.spec.pipelineParallel,
        replicas: m.replicas,
        ...(m.spec.autoscaling ? { autoscaling: { min: m.spec.autoscaling.min, max: m.spec.autoscaling.max } } : {}),
        nodesPerReplica: m.nodesPerReplica,
        quantization: m.quantization,
        maxModelLen: m.maxModelLen,
        weightsPerGpuGiB: round1(p.weightBytesPerGpu),
        overheadPerGpuGiB: round1(p.overhead.totalBytes),
        vllmRunner: p.overhead.runner,
        outsideBudgetPerGpuGiB: round1(p.outsideBudgetBytesPerGpu),
        kvCachePerGpuGiB: round1(Math.max(0, p.kvCacheBytesPerGpu)),
        vllmLikely: { kvCachePerGpuGiB: round1(Math.max(0, p.likelyKvCacheBytesPerGpu)), kvCacheTokens: p.likelyKvCapacityTokens },
        kvCacheTokens: p.kvCapacityTokens,
        fullLengthSequences: p.fullLengthSequences,
        headroomPerGpuGiB: round1(p.headroomBytesPerGpu),
        startup: startupOf(m),
      };
    }),
    pools: r.pools.map((p) => ({
      pool: p.name,
      gpu: p.spec.gpu,
      sharing: p.spec.sharing.mode === 'none' ? 'whole GPUs' : p.spec.sharing.mode === 'mig' ? `MIG ${p.spec.sharing.profile}` : `time-sliced x${p.spec.sharing.replicas}`,
      resource: p.resource ?? 'nvidia.com/mig-* (several profiles)',
      gpus: p.capacity,
      used: p.used,
      free: p.free,
    })),
  };
}

const up = Math.ceil;

function startupOf(m: ResolvedEnvironment['models'][number]): ModelStartup {
  const s = m.startup;
  const slo = m.spec.startupSlo;
  return {
    cacheMode: s.cacheMode,
    bytesFetched: s.bytesFetched,
    fetchedGiB: round1(s.bytesFetched),
    downloadSeconds: up(s.downloadSeconds),
    loadSeconds: up(s.loadSeconds),
    compileSeconds: s.coldCompileSeconds,
    warmCompileSeconds: s.warmCompileSeconds,
    coldStartSeconds: up(s.coldStartSeconds),
    warmStartSeconds: up(s.warmStartSeconds),
    probeBudgetSeconds: m.spec.startupTimeoutSeconds ?? s.probeBudgetSeconds,
    ...(slo !== undefined ? { startupSlo: slo } : {}),
    overSlo: slo !== undefined && s.coldStartSeconds > slo,
  };
}

/** Seconds for people: "95 s", "25 min 40 s". */
export function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  return s < 600 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/** A plain text table; colours only where `color` (a TTY). */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (/^-?[\d.,]+(-\d+)?( GiB)?$/.test(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatCapacity(r: CapacityReport, color: boolean): string {
  const c = pc.createColors(color);
  const models = table(
    ['model', 'engine', 'pool', 'gpu', 'tp x pp', 'replicas', 'quant', 'weights/GPU', 'overhead/GPU', 'KV/GPU', 'KV tokens', 'vLLM likely', 'max len', 'full seqs', 'headroom/GPU'],
    r.models.map((m) => [
      m.model, m.engine, m.pool, m.gpu, `${m.tensorParallel} x ${m.pipelineParallel}${m.nodesPerReplica > 1 ? ` (${m.nodesPerReplica} nodes)` : ''}`, m.autoscaling ? `${m.autoscaling.min}-${m.autoscaling.max}` : String(m.replicas), m.quantization,
      `${m.weightsPerGpuGiB.toFixed(1)} GiB`, `${m.overheadPerGpuGiB.toFixed(1)} GiB`, `${m.kvCachePerGpuGiB.toFixed(1)} GiB`, m.kvCacheTokens.toLocaleString('en-US'),
      m.engine === 'vllm' ? `${m.vllmLikely.kvCachePerGpuGiB.toFixed(1)} GiB, ${m.vllmLikely.kvCacheTokens.toLocaleString('en-US')}` : '-',
      String(m.maxModelLen), String(m.fullLengthSequences), `${m.headroomPerGpuGiB.toFixed(1)} GiB`,
    ]),
  );
  const pools = table(
    ['pool', 'gpu', 'sharing', 'resource', 'GPUs', 'used', 'free'],
    r.pools.map((p) => [p.pool, p.gpu, p.sharing, p.resource, String(p.gpus), String(p.used), String(p.free)]),
  );
  const startup = table(
    ['model', 'cache', 'fetched', 'download', 'load', 'compile (cold/warm)', 'cold start', 'warm start', 'probe budget', 'startupSlo'],
    r.models.map((m) => {
      const s = m.startup;
      return [
        m.model, s.cacheMode === 'shared' ? 'shared (prefetch once)' : 'per-replica', `${s.fetchedGiB.toFixed(1)} GiB`, duration(s.downloadSeconds), duration(s.loadSeconds),
        `${s.compileSeconds} s / ${s.warmCompileSeconds} s`, duration(s.coldStartSeconds), duration(s.warmStartSeconds), duration(s.probeBudgetSeconds),
        s.startupSlo === undefined ? '-' : `${s.startupSlo} s${s.overSlo ? ' (over)' : ''}`,
      ];
    }),
  );
  const overSlo = r.models.filter((m) => m.startup.overSlo).map((m) => m.model);
  const tight = r.models.filter((m) => m.fullLengthSequences < 2).map((m) => m.model);
  return [
    c.bold(`${r.environment}: models`),
    models,
    '',
    c.bold(`${r.environment}: pools`),
    pools,
    '',
    `KV tokens and full seqs are what we plan with; "vLLM likely" is what vLLM ${PINNED_VLLM} will probably log at start ("Available KV cache memory", "GPU KV cache size"), a little more.`,
    ...(tight.length > 0 ? ['', c.yellow(`tight: ${tight.join(', ')} hold fewer than 2 full-length sequences at once; more replicas or kvCacheDtype fp8 give room`)] : []),
    '',
    c.bold(`${r.environment}: start-up (estimates from the declared bandwidths: startup.downloadMBps, startup.cacheReadMBps)`),
    startup,
    'cold start = download + load + compile (empty caches); warm start = load + compile with a warm compile cache; a shared cache is fetched once per revision by its prefetch Job.',
    ...(overSlo.length > 0 ? ['', c.yellow(`slow start: ${overSlo.join(', ')} start cold slower than their startupSlo`)] : []),
  ].join('\n');
}

