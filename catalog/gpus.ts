/**
 * The GPU catalogue: public NVIDIA facts the validator and the capacity planner rely on.
 *
 * Sources (each row repeats the one it uses):
 * - [CC]   CUDA GPU compute capability table, https://developer.nvidia.com/cuda-gpus
 * - [MIG]  MIG user guide, "Supported GPUs" and "Supported MIG Profiles",
 *          https://docs.nvidia.com/datacenter/tesla/mig-user-guide/
 * - [TE]   Transformer Engine support matrix (FP8 needs compute capability 8.9 or newer),
 *          https://nvidia.github.io/TransformerEngine/support_matrix.html
 * - [DS]   the product's NVIDIA datasheet (memory size as sold, decimal GB)
 * The same facts, with the excerpt each was read from, are kept in ../shared/upstream/models.json ("gpus").
 *
 * - [VL]   total memory as vLLM logs it at start (torch's view of the driver's figure), from public start-up logs
 * - [LGIP] `nvidia-smi mig -lgip`, column "Memory GiB", as pasted in public notes: A100 80GB (SM counts 14-98)
 *          1g.10gb 9.50, 1g.20gb/2g.20gb 19.50, 3g.40gb/4g.40gb 39.25, 7g.80gb 79.00; H100 80GB SXM (SM counts
 *          16-132) 9.75, 19.62, 39.50, 79.25 (jbarrow.ai/field_notes/nvidia-mig); A100 40GB (SM counts 14-98) 1g.5gb
 *          4.75, 1g.10gb/2g.10gb 9.75, 3g.20gb/4g.20gb 19.62, 7g.40gb 39.38 (the NVIDIA MIG user guide's example as
 *          copied in public notes). A slice is planned at that figure less 1% (`MIG_REPORTED_FACTOR`: torch's total
 *          on a slice was not seen in a log; on whole GPUs it is within 0.1% of the listing, H100 79.18 vs 79.25).
 *
 * `memoryGB` is the nominal capacity as NVIDIA sells it. The planner budgets with what vLLM sees
 * (`usableMemoryBytes`): `reportedMemoryGiB` where a start-up log shows it (the lowest figure seen); else, for HBM
 * parts, whose stacks come in binary sizes, the nominal figure read as GiB less 1.5% (H100 reports 79.18 of 80 GiB,
 * A100 40GB 39.39 of 40 GiB: 0.990 and 0.985); for GDDR parts the nominal decimal bytes less 2% (L40S reports
 * 44.31 GiB against 48e9 B = 44.70 GiB: 0.991). Read as decimal, an HBM part was 6% short (H100: 74.5 GiB).
 */

/** One MIG profile a GPU can be partitioned into. */
export interface MigProfile {
  /** Profile name as the MIG manager uses it, e.g. `1g.10gb`. */
  readonly name: string;
  /** Instances of this profile that fit on one GPU when the whole GPU uses it. */
  readonly instancesPerGpu: number;
  /** Memory of one instance, decimal GB (the profile's name). */
  readonly memoryGB: number;
  /** Memory of one instance as `nvidia-smi mig -lgip` lists it (GiB) [LGIP]; undefined where no listing was found. */
  readonly reportedGiB?: number;
}

export interface GpuSpec {
  /** Catalogue key, as environment files write it. */
  readonly key: string;
  /** Product name. */
  readonly product: string;
  /** Memory per GPU, decimal GB. */
  readonly memoryGB: number;
  /** CUDA compute capability, e.g. 8.9. */
  readonly computeCapability: number;
  /** FP8 tensor cores (compute capability 8.9 or newer) [TE]. */
  readonly fp8: boolean;
  /** MIG profiles the GPU supports; empty when the GPU has no MIG [MIG]. */
  readonly migProfiles: readonly MigProfile[];
  /** HBM (binary-sized stacks) or GDDR (decimal-sized), for `usableMemoryBytes` where no log gives the figure. */
  readonly memoryKind: 'hbm' | 'gddr';
  /** Total memory per GPU as vLLM logs it at start, GiB [VL]; undefined where no public log was found. */
  readonly reportedMemoryGiB?: number;
  /**
   * GPUs of a node talk over NVLink (SXM boards) [DS]: vLLM's tensor parallel then keeps NCCL and custom all-reduce
   * buffers of about 2.1 GiB per GPU (vLLM 0.19 logs on H100); over PCIe much less. The A100 counts as NVLink (its
   * SXM board; a PCIe A100 is planned with the larger figure, the safe side).
   */
  readonly nvlink: boolean;
  /** Where the facts come from. */
  readonly source: string;
}

const mig = (name: string, instancesPerGpu: number, memoryGB: number, reportedGiB?: number): MigProfile =>
  reportedGiB === undefined ? { name, instancesPerGpu, memoryGB } : { name, instancesPerGpu, memoryGB, reportedGiB };

/**
 * MIG profiles of the 80 GB A100 and H100: the same names [MIG, "A100 MIG profiles" / "H100 MIG profiles"], with the
 * sizes `nvidia-smi mig -lgip` lists for 1g.10gb, the 20gb, the 40gb and the 80gb profiles [LGIP].
 */
const mig80 = (gib10: number, gib20: number, gib40: number, gib80: number): readonly MigProfile[] => [
  mig('1g.10gb', 7, 10, gib10),
  mig('1g.20gb', 4, 20, gib20),
  mig('2g.20gb', 3, 20, gib20),
  mig('3g.40gb', 2, 40, gib40),
  mig('4g.40gb', 1, 40, gib40),
  mig('7g.80gb', 1, 80, gib80),
];
const MIG_A100_80GB = mig80(9.5, 19.5, 39.25, 79.0);
/** The H100's slices are slightly larger than the A100's of the same name. */
const MIG_H100_80GB = mig80(9.75, 19.62, 39.5, 79.25);

const GPU_LIST: readonly GpuSpec[] = [
  {
    key: 'h100-80gb',
    product: 'NVIDIA H100 SXM 80GB',
    memoryGB: 80,
    nvlink: true,
    memoryKind: 'hbm',
    computeCapability: 9.0,
    fp8: true,
    migProfiles: MIG_H100_80GB,
    reportedMemoryGiB: 79.18,
    source: '[CC] 9.0; [MIG] H100-SXM5 80GB, up to 7 instances; [TE] FP8 on CC >= 8.9; [VL] 79.18 GiB (llm-d/llm-d-benchmark config_explorer/empirical-vllm-memory-results.md, vLLM 0.11.0; other H100 logs show 79.11-79.25)',
  },
  {
    key: 'h200-141gb',
    product: 'NVIDIA H200 141GB',
    memoryGB: 141,
    nvlink: true,
    memoryKind: 'hbm',
    computeCapability: 9.0,
    fp8: true,
    migProfiles: [
      mig('1g.18gb', 7, 18),
      mig('1g.35gb', 4, 35),
      mig('2g.35gb', 3, 35),
      mig('3g.71gb', 2, 71),
      mig('4g.71gb', 1, 71),
      mig('7g.141gb', 1, 141),
    ],
    source: '[CC] 9.0; [MIG] H200-SXM5 and H200 NVL 141GB, up to 7 instances; [TE]',
  },
  {
    key: 'a100-80gb',
    product: 'NVIDIA A100 80GB',
    memoryGB: 80,
    nvlink: true,
    memoryKind: 'hbm',
    computeCapability: 8.0,
    fp8: false,
    migProfiles: MIG_A100_80GB,
    source: '[MIG] A100-SXM4/PCIE 80GB, CC 8.0, up to 7 instances; [TE] no FP8 on Ampere',
  },
  {
    key: 'a100-40gb',
    product: 'NVIDIA A100 40GB',
    memoryGB: 40,
    nvlink: true,
    memoryKind: 'hbm',
    computeCapability: 8.0,
    fp8: false,
    migProfiles: [
      mig('1g.5gb', 7, 5, 4.75),
      mig('1g.10gb', 4, 10, 9.75),
      mig('2g.10gb', 3, 10, 9.75),
      mig('3g.20gb', 2, 20, 19.62),
      mig('4g.20gb', 1, 20, 19.62),
      mig('7g.40gb', 1, 40, 39.38),
    ],
    reportedMemoryGiB: 39.39,
    source: '[MIG] A100-SXM4/PCIE 40GB, CC 8.0, up to 7 instances; [TE] no FP8 on Ampere; [VL] 39.39-39.56 GiB in public V0 logs ("total_gpu_memory (39.50GiB)" on "a single A100 40GB GPU"); the lowest is taken',
  },
  {
    key: 'l40s-48gb',
    product: 'NVIDIA L40S 48GB',
    memoryGB: 48,
    nvlink: false,
    memoryKind: 'gddr',
    computeCapability: 8.9,
    fp8: true,
    migProfiles: [],
    reportedMemoryGiB: 44.31,
    source: '[CC] 8.9; [DS] 48 GB GDDR6; not in the [MIG] supported list; [VL] 44.31-44.39 GiB in public logs (fused_moe config "device_name=NVIDIA_L40S"), nvidia-smi 46068 MiB',
  },
  {
    key: 'l4-24gb',
    product: 'NVIDIA L4 24GB',
    memoryGB: 24,
    nvlink: false,
    memoryKind: 'gddr',
    computeCapability: 8.9,
    fp8: true,
    migProfiles: [],
    source: '[CC] 8.9; [DS] 24 GB GDDR6; not in the [MIG] supported list',
  },
  {
    key: 'a10-24gb',
    product: 'NVIDIA A10 24GB',
    memoryGB: 24,
    nvlink: false,
    memoryKind: 'gddr',
    computeCapability: 8.6,
    fp8: false,
    migProfiles: [],
    source: '[CC] 8.6; [DS] 24 GB GDDR6; not in the [MIG] supported list; [TE] no FP8 on Ampere',
  },
  {
    key: 't4-16gb',
    product: 'NVIDIA T4 16GB',
    memoryGB: 16,
    nvlink: false,
    memoryKind: 'gddr',
    computeCapability: 7.5,
    fp8: false,
    migProfiles: [],
    source: '[CC] 7.5; [DS] 16 GB GDDR6; not in the [MIG] supported list',
  },
  {
    key: 'rtx-4090-24gb',
    product: 'NVIDIA GeForce RTX 4090 24GB',
    memoryGB: 24,
    nvlink: false,
    memoryKind: 'gddr',
    computeCapability: 8.9,
    fp8: true,
    migProfiles: [],
    source: '[CC] 8.9; [DS] 24 GB GDDR6X; no MIG on GeForce',
  },
  {
    key: 'rtx-5090-32gb',
    product: 'NVIDIA GeForce RTX 5090 32GB',
    memoryGB: 32,
    nvlink: false,
    memoryKind: 'gddr',
    computeCapability: 12.0,
    fp8: true,
    migProfiles: [],
    source: '[CC] 12.0; [DS] 32 GB GDDR7; no MIG on GeForce',
  },
  {
    key: 'rtx-pro-6000-96gb',
    product: 'NVIDIA RTX PRO 6000 Blackwell 96GB',
    memoryGB: 96,
    nvlink: false,
    memoryKind: 'gddr',
    computeCapability: 12.0,
    fp8: true,
    migProfiles: [mig('1g.24gb', 4, 24), mig('2g.48gb', 2, 48), mig('4g.96gb', 1, 96)],
    // 96 GB of GDDR7 is 96 GiB here (97,887 MiB): the decimal reading was 7% short
    reportedMemoryGiB: 94.97,
    source: '[CC] 12.0; [DS] 96 GB GDDR7; [MIG] RTX PRO 6000 Blackwell, up to 4 instances; [VL] 94.97-95.01 GiB (Server Edition: "NVIDIA RTX PRO 6000 Blackwell Server Edition 95.01 GiB" in kubesimplify/website content/blog/running-a-single-llm-across-two-gpus-with-vllm.md @58de3d4a, vLLM 0.27.1; 94.97 in a public start-up log found by exact-string search); the lowest is taken',
  },
];

/** GPUs by catalogue key. */
export const GPUS: Readonly<Record<string, GpuSpec>> = Object.fromEntries(GPU_LIST.map((g) => [g.key, g]));

/** Catalogue keys, in catalogue order. */
export const GPU_KEYS: readonly string[] = GPU_LIST.map((g) => g.key);

/** The GPU for a catalogue key; throws with the known keys when there is none. */
export function gpuSpec(key: string): GpuSpec {
  const spec = GPUS[key];
  if (!spec) {
    throw new Error(`unknown GPU "${key}"; known GPUs: ${GPU_KEYS.join(', ')}`);
  }
  return spec;
}

/** How the pods of a GPU pool share its GPUs. */
export type GpuSharing =
  | { readonly mode: 'none' }
  | { readonly mode: 'time-slicing'; readonly replicas: number }
  | { readonly mode: 'mig'; readonly profile: string };

const GIB = 1024 ** 3;

/** Share of the nominal capacity budgeted where no vLLM log gives the real figure (see the header). */
export const UNREPORTED_MEMORY_FACTOR = { hbm: 0.985, gddr: 0.98 } as const;

/** Share of a MIG slice's listed memory (`nvidia-smi mig -lgip`) budgeted: torch's view of a slice was not logged. */
export const MIG_REPORTED_FACTOR = 0.99;

/** Memory of one whole GPU as vLLM sees it, bytes: the logged figure, else the nominal figure less 1.5-2%. */
export function usableMemoryBytes(gpu: GpuSpec): number {
  if (gpu.reportedMemoryGiB !== undefined) return Math.floor(gpu.reportedMemoryGiB * GIB);
  return Math.floor(gpu.memoryGB * (gpu.memoryKind === 'hbm' ? GIB : 1e9) * UNREPORTED_MEMORY_FACTOR[gpu.memoryKind]);
}

/**
 * Whether vLLM picks its larger batch defaults on this device: at least 70 GiB and not an A100
 * (vllm/engine/arg_utils.py `get_batch_defaults`: max_num_seqs 1024 and max_num_batched_tokens 8192 for the
 * API server, else 256 and 2048).
 */
export function largeBatchDefaults(gpu: GpuSpec, memoryBytes: number): boolean {
  return memoryBytes >= 70 * GIB && !gpu.product.includes('A100');
}

/** What one schedulable `nvidia.com/gpu` of a pool is: a whole GPU, a MIG slice or a time-slice share. */
export interface PoolDevice {
  /** Memory a pod may count on, bytes (a time-slice share is the GPU's memory divided among its sharers). */
  readonly memoryBytes: number;
  /** Schedulable devices per physical GPU. */
  readonly perGpu: number;
  /** Whether one pod may use several of them together (tensor or pipeline parallel): only whole GPUs. */
  readonly combinable: boolean;
  /** Whether vLLM runs its larger batch defaults here (`largeBatchDefaults`). */
  readonly largeBatchDefaults: boolean;
  /** Whether the GPUs of a node are linked by NVLink (GpuSpec.nvlink). */
  readonly nvlink: boolean;
}

/** The schedulable device of a pool; undefined for a MIG layout that mixes profiles (`balanced`). */
export function poolDevice(gpu: GpuSpec, sharing: GpuSharing): PoolDevice | undefined {
  const whole = usableMemoryBytes(gpu);
  switch (sharing.mode) {
    case 'none':
      return { memoryBytes: whole, perGpu: 1, combinable: true, largeBatchDefaults: largeBatchDefaults(gpu, whole), nvlink: gpu.nvlink };
    // Every sharer's vLLM sees the whole GPU and picks its defaults from it.
    case 'time-slicing':
      return { memoryBytes: Math.floor(whole / sharing.replicas), perGpu: sharing.replicas, combinable: false, largeBatchDefaults: largeBatchDefaults(gpu, whole), nvlink: gpu.nvlink };
    case 'mig': {
      const profile = gpu.migProfiles.find((p) => p.name === sharing.profile);
      if (!profile) return undefined;
      // The listed size less 1%; without a listing, the name read as decimal GB less 2% (safe for either kind).
      const bytes =
        profile.reportedGiB !== undefined
          ? Math.floor(profile.reportedGiB * MIG_REPORTED_FACTOR * GIB)
          : Math.floor(profile.memoryGB * 1e9 * UNREPORTED_MEMORY_FACTOR.gddr);
      return { memoryBytes: bytes, perGpu: profile.instancesPerGpu, combinable: false, largeBatchDefaults: largeBatchDefaults(gpu, bytes), nvlink: gpu.nvlink };
    }
  }
}

/**
 * How the device plugin names MIG slices, cluster-wide (the operator's `mig.strategy`): `none` without MIG pools,
 * `single` when every MIG pool cuts its GPUs one way (slices are `nvidia.com/gpu`), `mixed` as soon as one pool
 * mixes profiles (`balanced`; slices are `nvidia.com/mig-<profile>`).
 */
export type MigStrategy = 'none' | 'single' | 'mixed';

/** The cluster's MIG strategy from its pools. */
export function clusterMigStrategy(pools: ReadonlyArray<{ readonly sharing: GpuSharing }>): MigStrategy {
  const mig = pools.filter((p) => p.sharing.mode === 'mig');
  if (mig.length === 0) return 'none';
  return mig.some((p) => p.sharing.mode === 'mig' && p.sharing.profile === 'balanced') ? 'mixed' : 'single';
}

/** The extended resource of a whole GPU, a time-slice share, or a MIG slice under the `single` strategy. */
export const GPU_RESOURCE = 'nvidia.com/gpu';
const MIG_RESOURCE_PREFIX = 'nvidia.com/mig-';

/**
 * The extended resource a pod of a pool requests: the one place that decides it (servers, policy, readiness gate).
 * NVIDIA k8s-device-plugin v0.20.0 (internal/rm/rm.go, AddDefaultResourcesToConfig): full GPUs are always
 * `nvidia.com/gpu`; under `single` MIG devices are `nvidia.com/gpu` too; under `mixed` each MIG profile is its own
 * resource `nvidia.com/mig-<profile>` ("+" as "."). Undefined for a `balanced` pool: its slices differ in size, so
 * no single resource names "one device of this pool".
 */
export function gpuResourceName(sharing: GpuSharing, strategy: MigStrategy): string | undefined {
  if (sharing.mode !== 'mig' || strategy !== 'mixed') return GPU_RESOURCE;
  if (sharing.profile === 'balanced') return undefined;
  return `${MIG_RESOURCE_PREFIX}${sharing.profile.replaceAll('+', '.')}`;
}

/** What each node of a pool reports as allocatable once its GPUs are ready. */
export interface PoolAllocatable {
  /** The extended resource, or `nvidia.com/mig-*` for every MIG slice together (a balanced pool). */
  readonly resource: string;
  /** How many of it each node reports at least. */
  readonly perNode: number;
}

/**
 * The allocatable GPU resources each node of a pool promises: GPUs per node x devices per GPU (time-slicing
 * replicas or MIG instances) of the pool's resource. A balanced pool's slices differ by GPU model and MIG manager
 * layout, so it promises at least one slice of any profile per GPU.
 */
export function poolAllocatable(gpu: GpuSpec, gpusPerNode: number, sharing: GpuSharing, strategy: MigStrategy): PoolAllocatable {
  const resource = gpuResourceName(sharing, strategy);
  if (!resource) return { resource: `${MIG_RESOURCE_PREFIX}*`, perNode: gpusPerNode };
  return { resource, perNode: gpusPerNode * (poolDevice(gpu, sharing)?.perGpu ?? 1) };
}

/** Whether a resource name is a GPU or a MIG slice (for policy checks and counts). */
export function isGpuResource(name: string): boolean {
  return name === GPU_RESOURCE || name.startsWith(MIG_RESOURCE_PREFIX);
}
