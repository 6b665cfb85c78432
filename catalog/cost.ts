/**
 * Cost as an architecture output: what the GPUs an environment holds cost a month, and an estimate of what a
 * million tokens cost on them. Pure arithmetic on the resolved environment (its pools, model plans and prices);
 * README "Cost" shows the formulas, test/catalog/cost.test.ts the arithmetic.
 *
 * Money (per month of HOURS_PER_MONTH hours):
 *   price per device  = the pool's pricePerGpuHour (else cost.gpuPrices[gpu]) / devices per GPU (MIG slices or
 *                       time-slice shares of one GPU share its price)
 *   GPUs held         = devices x replicas / devices per GPU, at the fewest replicas (min) and the most (max: an
 *                       autoscaler's max, the peak)
 *   monthly           = GPUs held x 730 x price per GPU-hour
 *   pool monthly      = every GPU of the pool's nodes x 730 x price (the nodes are held whole); idle = the pool's
 *                       devices no server may hold at its most replicas, and what they cost
 *   margin            = monthly x cost.margin (a markup for charging teams); charged = monthly + margin
 *
 * Tokens (an estimate: a roofline bound per replica, at its planned concurrency; every figure is labelled one):
 *   batch             = min(max_num_seqs, KV-cache tokens / cost.contextTokens)   (sequences decoding at once)
 *   bytes per step    = weights per GPU + batch x contextTokens x KV bytes per token per GPU
 *   FLOPs per step    = 2 x active parameters x batch / GPUs per replica              (per GPU)
 *   step time         = max(bytes / memory bandwidth, FLOPs / dense Tensor Core FLOP/s)  (per device: a MIG slice or
 *                       time-slice share gets its share of both)
 *   decode tokens/s   = batch / step time                                             (per replica)
 *   prefill tokens/s  = GPUs x FLOP/s / (2 x active parameters)                       (compute-bound)
 *   cost per million  = replica price per hour / (tokens/s x 3600 x cost.utilisation) x 1e6, output tokens from the
 *                       decode rate, input tokens from the prefill rate (each as if the replica did only that)
 *   embedding servers = input tokens only, at the prefill rate of one device: FLOP/s / (2 x parameters)
 * FP8 models on FP8 GPUs compute at the FP8 rate, everything else at the 16-bit rate (4-bit weights are
 * dequantised to 16-bit math). Communication between GPUs, attention FLOPs and scheduling gaps are left out, so
 * the rates are upper bounds and the prices lower bounds: `utilisation` is where the difference goes.
 */
import { GPU_PERFORMANCE } from './gpu-performance';
import type { GpuSpec, PoolDevice } from './gpus';
import { MODELS, type ModelArchitecture } from './models';
import type { Plan, Quantization } from './planner';

/** Hours in the month the figures use (8,760 / 12). */
export const HOURS_PER_MONTH = 730;

/** The defaults of the environment's `cost:` block (environments/defaults.ts reads them). */
export const COST_DEFAULTS = {
  currency: 'USD',
  /** Markup on the GPU cost for charging teams (0.2 = 20%). */
  margin: 0,
  /** Share of the time a replica serves at its planned concurrency, for the per-token prices. */
  utilisation: 0.5,
  /** Tokens in the KV cache of one sequence while it decodes (prompt and output so far), on average. */
  contextTokens: 2048,
} as const;

export interface CostSettings {
  readonly currency: string;
  readonly gpuPrices: Readonly<Partial<Record<string, number>>>;
  readonly margin: number;
  readonly utilisation: number;
  readonly contextTokens: number;
  readonly monthlyBudget?: number;
}

/** What the cost report reads of a resolved environment (environments/resolve.ts `ResolvedEnvironment` fits it). */
export interface CostInput {
  readonly env: {
    readonly name: string;
    readonly cost?: CostSettings;
    readonly gateway: {
      readonly hostedModels: ReadonlyArray<{ readonly name: string; readonly model: string; readonly inputPricePerMillion?: number; readonly outputPricePerMillion?: number }>;
    };
  };
  readonly pools: ReadonlyArray<{
    readonly name: string;
    readonly gpu: GpuSpec;
    readonly device: PoolDevice | undefined;
    readonly capacity: number;
    readonly used: number;
    readonly spec: { readonly gpu: string; readonly gpusPerNode: number; readonly nodes: readonly string[]; readonly pricePerGpuHour?: number };
  }>;
  readonly models: ReadonlyArray<{
    readonly spec: { readonly name: string; readonly model: string; readonly pool: string; readonly engine: string; readonly tensorParallel: number; readonly pipelineParallel: number };
    readonly arch: ModelArchitecture;
    readonly quantization: Quantization;
    readonly plan: Plan;
    readonly replicas: number;
    readonly maxReplicas: number;
  }>;
  readonly embeddings: ReadonlyArray<{ readonly spec: { readonly name: string; readonly replicas: number }; readonly pool: string | undefined; readonly parameters: number }>;
}

/** A figure at the fewest and at the most replicas. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface ServerCost {
  readonly name: string;
  readonly kind: 'model' | 'embedding';
  readonly pool: string;
  /** Devices (GPUs, MIG slices or time-slice shares) one replica requests. */
  readonly devicesPerReplica: number;
  readonly replicas: Range;
  /** Physical GPUs held (a MIG slice counts its share of a GPU). */
  readonly gpus: Range;
  readonly gpuHoursPerMonth: Range;
  /** Money per month; null when the pool has no price. */
  readonly monthly: Range | null;
}

export interface PoolCost {
  readonly name: string;
  readonly gpu: string;
  /** The pool's nodes (for the cost rules, which select them). */
  readonly nodes: readonly string[];
  /** Price of one GPU for an hour; null when neither the pool nor cost.gpuPrices gives one. */
  readonly pricePerGpuHour: number | null;
  /** Physical GPUs of the pool's nodes. */
  readonly gpus: number;
  /** Schedulable devices, those the servers may hold at their most replicas, and those left idle. */
  readonly devices: number;
  readonly usedDevices: number;
  readonly idleDevices: number;
  readonly idleGpus: number;
  /** Every GPU of the pool for a month, and the idle ones' share; null without a price. */
  readonly monthly: number | null;
  readonly idleMonthly: number | null;
}

export interface TokenEstimate {
  readonly model: string;
  /** Sequences decoding at once (planned concurrency). */
  readonly batch: number;
  /** Which term of the roofline sets the decode step: memory bandwidth or compute. */
  readonly bound: 'memory' | 'compute';
  readonly stepSeconds: number;
  readonly decodeTokensPerSecond: number;
  readonly prefillTokensPerSecond: number;
  /** Cost per million output (decode) and input (prefill) tokens at cost.utilisation, before the margin; null without a price. */
  readonly outputPerMillion: number | null;
  readonly inputPerMillion: number | null;
}

/** An embedding server on a GPU: input tokens only, compute-bound like a prefill (an estimate). */
export interface EmbeddingTokenEstimate {
  readonly name: string;
  readonly tokensPerSecond: number;
  readonly inputPerMillion: number | null;
}

export interface HostedPrice {
  readonly name: string;
  readonly model: string;
  readonly inputPerMillion: number | null;
  readonly outputPerMillion: number | null;
}

export interface CostReport {
  readonly environment: string;
  readonly currency: string;
  readonly hoursPerMonth: number;
  readonly utilisation: number;
  readonly contextTokens: number;
  readonly servers: readonly ServerCost[];
  readonly pools: readonly PoolCost[];
  readonly tokens: readonly TokenEstimate[];
  readonly embeddingTokens: readonly EmbeddingTokenEstimate[];
  readonly hosted: readonly HostedPrice[];
  readonly total: {
    /** The pools' GPUs for a month (priced pools only). */
    readonly monthly: number;
    /** What the servers hold, at their fewest and most replicas. */
    readonly allocated: Range;
    /** The pools' idle devices at the servers' most replicas. */
    readonly idle: number;
    readonly marginRate: number;
    readonly margin: number;
    /** monthly + margin. */
    readonly charged: number;
    readonly monthlyBudget: number | null;
    /** Pools without a price (left out of the sums). */
    readonly unpricedPools: readonly string[];
  };
}

/** The environment's cost settings with the defaults filled in. */
export function costSettings(env: CostInput['env']): CostSettings {
  return env.cost ?? { ...COST_DEFAULTS, gpuPrices: {} };
}

/** Price of one GPU of a pool for an hour: its own, else the environment's for its GPU kind. */
export function poolPrice(pool: CostInput['pools'][number], settings: CostSettings): number | undefined {
  return pool.spec.pricePerGpuHour ?? settings.gpuPrices[pool.spec.gpu];
}

/** Devices (MIG slices, time-slice shares, or 1) one physical GPU of the pool holds. */
function devicesPerGpu(pool: CostInput['pools'][number]): number {
  return pool.device?.perGpu ?? pool.capacity / (pool.spec.gpusPerNode * pool.spec.nodes.length);
}

/** Money for GPUs held a month: GPUs x 730 h x price per GPU-hour. */
export function monthlyCost(gpus: number, pricePerGpuHour: number): number {
  return gpus * HOURS_PER_MONTH * pricePerGpuHour;
}

export interface RooflineInput {
  readonly plan: Pick<Plan, 'gpusPerReplica' | 'weightBytesPerGpu' | 'kvBytesPerTokenPerGpu' | 'kvCapacityTokens'> & { readonly overhead: { readonly maxNumSeqs: number } };
  readonly activeParameters: number;
  /** Memory bandwidth and FLOP/s of one device (bytes/s, FLOP/s). */
  readonly bandwidth: number;
  readonly flops: number;
  readonly contextTokens: number;
}

/** The roofline estimate of one replica's decode and prefill rates (see the header). */
export function roofline(i: RooflineInput): Pick<TokenEstimate, 'batch' | 'bound' | 'stepSeconds' | 'decodeTokensPerSecond' | 'prefillTokensPerSecond'> {
  const g = i.plan.gpusPerReplica;
  const batch = Math.max(1, Math.min(i.plan.overhead.maxNumSeqs, Math.floor(i.plan.kvCapacityTokens / i.contextTokens)));
  const bytes = i.plan.weightBytesPerGpu + batch * i.contextTokens * i.plan.kvBytesPerTokenPerGpu;
  const flops = (2 * i.activeParameters * batch) / g;
  const memorySeconds = bytes / i.bandwidth;
  const computeSeconds = flops / i.flops;
  const stepSeconds = Math.max(memorySeconds, computeSeconds);
  return {
    batch,
    bound: memorySeconds >= computeSeconds ? 'memory' : 'compute',
    stepSeconds,
    decodeTokensPerSecond: batch / stepSeconds,
    prefillTokensPerSecond: (g * i.flops) / (2 * i.activeParameters),
  };
}

/** Cost of a million tokens at a rate: price per hour / (tokens/s x 3600 x utilisation) x 1e6. */
export function perMillion(pricePerHour: number, tokensPerSecond: number, utilisation: number): number {
  return (pricePerHour / (tokensPerSecond * 3600 * utilisation)) * 1e6;
}

/** The cost report of an environment: per server, per pool, per model's tokens, and the total. */
export function costReport(r: CostInput): CostReport {
  const settings = costSettings(r.env);
  const pools = new Map(r.pools.map((p) => [p.name, p]));
  const perGpuOf = (pool: string) => devicesPerGpu(pools.get(pool)!);
  const priceOf = (pool: string) => poolPrice(pools.get(pool)!, settings);

  const server = (name: string, kind: ServerCost['kind'], pool: string, devicesPerReplica: number, replicas: Range): ServerCost => {
    const perGpu = perGpuOf(pool);
    const price = priceOf(pool);
    const gpus = { min: (devicesPerReplica * replicas.min) / perGpu, max: (devicesPerReplica * replicas.max) / perGpu };
    return {
      name,
      kind,
      pool,
      devicesPerReplica,
      replicas,
      gpus,
      gpuHoursPerMonth: { min: gpus.min * HOURS_PER_MONTH, max: gpus.max * HOURS_PER_MONTH },
      monthly: price === undefined ? null : { min: monthlyCost(gpus.min, price), max: monthlyCost(gpus.max, price) },
    };
  };
  const servers: ServerCost[] = [
    ...r.models.map((m) => server(m.spec.name, 'model', m.spec.pool, m.plan.gpusPerReplica, { min: m.replicas, max: m.maxReplicas })),
    ...r.embeddings.flatMap((e) => (e.pool === undefined ? [] : [server(e.spec.name, 'embedding', e.pool, 1, { min: e.spec.replicas, max: e.spec.replicas })])),
  ];

  const poolCosts: PoolCost[] = r.pools.map((p) => {
    const price = poolPrice(p, settings);
    const gpus = p.spec.gpusPerNode * p.spec.nodes.length;
    const idleDevices = Math.max(0, p.capacity - p.used);
    const idleGpus = idleDevices / devicesPerGpu(p);
    return {
      name: p.name,
      gpu: p.spec.gpu,
      nodes: p.spec.nodes,
      pricePerGpuHour: price ?? null,
      gpus,
      devices: p.capacity,
      usedDevices: p.used,
      idleDevices,
      idleGpus,
      monthly: price === undefined ? null : monthlyCost(gpus, price),
      idleMonthly: price === undefined ? null : monthlyCost(idleGpus, price),
    };
  });

  const tokens: TokenEstimate[] = r.models.map((m) => {
    const pool = pools.get(m.spec.pool)!;
    const perf = GPU_PERFORMANCE[pool.spec.gpu];
    const perGpu = devicesPerGpu(pool);
    const fp8 = m.quantization === 'fp8' && perf?.denseFp8Tflops !== undefined;
    const tflops = perf ? (fp8 ? perf.denseFp8Tflops! : perf.dense16Tflops) : undefined;
    const rates = roofline({
      plan: m.plan,
      activeParameters: MODELS[m.spec.model]?.activeParameters ?? m.arch.parameters,
      bandwidth: ((perf?.memoryBandwidthGBs ?? Number.NaN) * 1e9) / perGpu,
      flops: ((tflops ?? Number.NaN) * 1e12) / perGpu,
      contextTokens: settings.contextTokens,
    });
    const price = priceOf(m.spec.pool);
    const replicaPerHour = price === undefined ? undefined : (m.plan.gpusPerReplica / perGpu) * price;
    const priced = replicaPerHour !== undefined && m.plan.kvCapacityTokens > 0;
    return {
      model: m.spec.name,
      ...rates,
      outputPerMillion: priced ? perMillion(replicaPerHour, rates.decodeTokensPerSecond, settings.utilisation) : null,
      inputPerMillion: priced ? perMillion(replicaPerHour, rates.prefillTokensPerSecond, settings.utilisation) : null,
    };
  });

  const embeddingTokens: EmbeddingTokenEstimate[] = r.embeddings.flatMap((e) => {
    if (e.pool === undefined) return [];
    const pool = pools.get(e.pool)!;
    const perGpu = devicesPerGpu(pool);
    const tflops = GPU_PERFORMANCE[pool.spec.gpu]?.dense16Tflops ?? Number.NaN;
    // one device a replica: its share of the GPU's 16-bit FLOP/s over 2 FLOPs a parameter a token
    const tokensPerSecond = (tflops * 1e12) / perGpu / (2 * e.parameters);
    const price = priceOf(e.pool);
    return [{ name: e.spec.name, tokensPerSecond, inputPerMillion: price === undefined ? null : perMillion(price / perGpu, tokensPerSecond, settings.utilisation) }];
  });

  const sum = (xs: ReadonlyArray<number | null>) => xs.reduce<number>((a, x) => a + (x ?? 0), 0);
  const monthly = sum(poolCosts.map((p) => p.monthly));
  const margin = monthly * settings.margin;
  return {
    environment: r.env.name,
    currency: settings.currency,
    hoursPerMonth: HOURS_PER_MONTH,
    utilisation: settings.utilisation,
    contextTokens: settings.contextTokens,
    servers,
    pools: poolCosts,
    tokens,
    embeddingTokens,
    hosted: r.env.gateway.hostedModels.map((h) => ({ name: h.name, model: h.model, inputPerMillion: h.inputPricePerMillion ?? null, outputPerMillion: h.outputPricePerMillion ?? null })),
    total: {
      monthly,
      allocated: { min: sum(servers.map((s) => s.monthly?.min ?? null)), max: sum(servers.map((s) => s.monthly?.max ?? null)) },
      idle: sum(poolCosts.map((p) => p.idleMonthly)),
      marginRate: settings.margin,
      margin,
      charged: monthly + margin,
      monthlyBudget: settings.monthlyBudget ?? null,
      unpricedPools: poolCosts.filter((p) => p.pricePerGpuHour === null).map((p) => p.name),
    },
  };
}

/**
 * The per-token prices the gateway charges for a self-hosted model (USD per token, LiteLLM's unit): the
 * estimate's cost per million tokens with the margin, / 1e6, to four significant digits. Undefined without a price (no 0: LiteLLM skips the
 * budget checks of a model whose prices are both 0).
 */
export function gatewayTokenPrices(report: CostReport, server: string): { inputCostPerToken: number; outputCostPerToken: number } | undefined {
  const markup = 1 + report.total.marginRate;
  // four significant digits: an estimate, and a stable, readable config
  const perToken = (perMillionPrice: number) => Number(((perMillionPrice * markup) / 1e6).toPrecision(4));
  const t = report.tokens.find((x) => x.model === server);
  if (t) {
    if (t.inputPerMillion === null || t.outputPerMillion === null || !(t.inputPerMillion > 0) || !(t.outputPerMillion > 0)) return undefined;
    return { inputCostPerToken: perToken(t.inputPerMillion), outputCostPerToken: perToken(t.outputPerMillion) };
  }
  // an embedding server: input tokens only (its output is vectors)
  const e = report.embeddingTokens.find((x) => x.name === server);
  if (!e || e.inputPerMillion === null || !(e.inputPerMillion > 0)) return undefined;
  return { inputCostPerToken: perToken(e.inputPerMillion), outputCostPerToken: 0 };
}
