/**
 * What a GPU moves and computes: memory bandwidth and dense Tensor Core throughput, public datasheet figures that the
 * cost estimates' roofline reads (catalog/cost.ts). Kept apart from the memory facts of catalog/gpus.ts.
 *
 * Every figure is the one in ../shared/upstream/models.json ("gpus", fields memory_bandwidth_gb_s,
 * bf16_dense_tflops, fp8_dense_tflops; fp16_dense_tflops for the T4, which has no BF16), which names the NVIDIA
 * datasheet (or the public copy) it was read from; test/catalog/gpu-performance.test.ts compares them with the
 * committed extract facts/upstream/gpus.json. Dense means without 2:4 sparsity (datasheets often print the sparse
 * figure, twice the dense one); GeForce cards' BF16 figure is the FP32-accumulate one.
 */

export interface GpuPerformance {
  /** Memory bandwidth, decimal GB/s. */
  readonly memoryBandwidthGBs: number;
  /** Dense 16-bit Tensor Core TFLOPS (BF16; FP16 on the T4). */
  readonly dense16Tflops: number;
  /** Dense FP8 Tensor Core TFLOPS; undefined on GPUs without FP8 (compute capability below 8.9). */
  readonly denseFp8Tflops?: number;
}

const SOURCE = '../shared/upstream/models.json ("gpus"; each value names its datasheet)';

export const GPU_PERFORMANCE: Readonly<Record<string, GpuPerformance>> = {
  'h100-80gb': { memoryBandwidthGBs: 3350, dense16Tflops: 989, denseFp8Tflops: 1979 },
  'h200-141gb': { memoryBandwidthGBs: 4800, dense16Tflops: 989, denseFp8Tflops: 1979 },
  'a100-80gb': { memoryBandwidthGBs: 2039, dense16Tflops: 312 },
  'a100-40gb': { memoryBandwidthGBs: 1555, dense16Tflops: 312 },
  'l40s-48gb': { memoryBandwidthGBs: 864, dense16Tflops: 362.05, denseFp8Tflops: 733 },
  'l4-24gb': { memoryBandwidthGBs: 300, dense16Tflops: 121, denseFp8Tflops: 242 },
  'a10-24gb': { memoryBandwidthGBs: 600, dense16Tflops: 125 },
  't4-16gb': { memoryBandwidthGBs: 320, dense16Tflops: 65 },
  'rtx-4090-24gb': { memoryBandwidthGBs: 1008, dense16Tflops: 165.2, denseFp8Tflops: 660.6 },
  'rtx-5090-32gb': { memoryBandwidthGBs: 1792, dense16Tflops: 209.5, denseFp8Tflops: 838 },
  'rtx-pro-6000-96gb': { memoryBandwidthGBs: 1792, dense16Tflops: 503.8, denseFp8Tflops: 1007.6 },
};

/** Where the figures come from. */
export const GPU_PERFORMANCE_SOURCE = SOURCE;
