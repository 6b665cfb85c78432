import { describe, expect, it } from 'vitest';
import { MODELS } from '../../catalog/models';
import { downloadBytes, prefetchBytes, weightBytes } from '../../catalog/planner';
import { COLD_COMPILE_SECONDS, DEFAULT_STARTUP_RATES, WARM_COMPILE_SECONDS, mbps, planStartup } from '../../catalog/startup';

const LLAMA_33_70B = { model: 'meta-llama/Llama-3.3-70B-Instruct' };
const LLAMA_70B_FP8 = { model: 'neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8' };

describe('start-up estimate, against figures computed by hand (README "Start-up time")', () => {
  it('Llama 3.3 70B, bf16 checkpoint quantised to fp8 at load, tensor parallel 4, per-replica cache, default rates', () => {
    // fetched      = the bf16 checkpoint: 70,553,706,496 params x 2 B          = 141,107,412,992 B
    // download     = 141,107,412,992 / 100e6 B/s                               = 1,411.07 s
    // read per GPU = max(weights per GPU at fp8 18,197,989,381, 141,107,412,992 / 4 = 35,276,853,248) = 35,276,853,248 B
    // load         = 35,276,853,248 / 500e6 B/s                                = 70.55 s
    // cold start   = 1,411.07 + 70.55 + 300                                    = 1,781.63 s (29 min 42 s)
    // warm start   = 70.55 + 60                                                = 130.55 s
    // budget       = cold start in whole 10 s periods                          = 1,790 s
    const fetched = downloadBytes('vllm', LLAMA_33_70B);
    expect(fetched).toBe(141_107_412_992);
    const weightsPerGpu = Math.ceil(weightBytes(MODELS[LLAMA_33_70B.model]!, 'fp8') / 4);
    expect(weightsPerGpu).toBe(18_197_989_381);
    const p = planStartup({ downloadBytes: fetched, weightBytesPerGpu: weightsPerGpu, gpus: 4, cacheMode: 'per-replica' });
    expect(p.bytesFetched).toBe(141_107_412_992);
    expect(p.downloadSeconds).toBeCloseTo(1411.07413, 4);
    expect(p.readBytesPerGpu).toBe(35_276_853_248);
    expect(p.loadSeconds).toBeCloseTo(70.5537, 3);
    expect(p.coldStartSeconds).toBeCloseTo(1781.6278, 3);
    expect(p.warmStartSeconds).toBeCloseTo(130.5537, 3);
    expect(p.probeBudgetSeconds).toBe(1790);
  });

  it('the same with a shared cache: the prefetch Job pays the download, the budget is load + cold compile', () => {
    // budget = 70.55 + 300 = 370.55 -> 380 s: the warm start (130.55 s) with the cold compile as margin
    const fetched = prefetchBytes(LLAMA_33_70B);
    const p = planStartup({ downloadBytes: fetched, weightBytesPerGpu: 18_197_989_381, gpus: 4, cacheMode: 'shared' });
    expect(p.probeBudgetSeconds).toBe(380);
    expect(p.probeBudgetSeconds).toBeGreaterThan(p.warmStartSeconds);
    expect(p.probeBudgetSeconds).toBeLessThan(p.coldStartSeconds - p.downloadSeconds + 10);
    expect(p.coldStartSeconds).toBeCloseTo(1781.6278, 3); // a cold start (the first, by the Job) still downloads
  });

  it('Llama 3.1 70B FP8 checkpoint, TP 4: a second replica with a warm cache in about a minute and a half, 78 s at 1,000 MB/s', () => {
    // fetched = 72,791,957,521 B (FP8 linear layers, 16-bit embeddings); read per GPU = ceil(/4) = 18,197,989,381 B
    // warm    = 18,197,989,381 / 500e6 + 60 = 36.40 + 60 = 96.40 s;  at 1,000 MB/s: 18.20 + 60 = 78.20 s
    // cold    = 72,791,957,521 / 100e6 + 36.40 + 300 = 727.92 + 36.40 + 300 = 1,064.32 s
    const fetched = downloadBytes('vllm', LLAMA_70B_FP8);
    expect(fetched).toBe(72_791_957_521);
    const perGpu = Math.ceil(fetched / 4);
    const p = planStartup({ downloadBytes: fetched, weightBytesPerGpu: perGpu, gpus: 4, cacheMode: 'shared' });
    expect(p.warmStartSeconds).toBeCloseTo(96.396, 2);
    expect(p.coldStartSeconds).toBeCloseTo(1064.316, 2);
    const fast = planStartup({ downloadBytes: fetched, weightBytesPerGpu: perGpu, gpus: 4, cacheMode: 'shared', rates: { ...DEFAULT_STARTUP_RATES, cacheReadBytesPerSecond: mbps(1000) } });
    expect(fast.warmStartSeconds).toBeCloseTo(78.198, 2);
    expect(fast.probeBudgetSeconds).toBe(320); // 18.2 + 300 -> 320
  });

  it('keeps the per-replica budget of the earlier formula: download / 100 MB/s + weights per GPU / 500 MB/s + 300 s', () => {
    for (const [download, perGpu, gpus] of [[16_060_522_496, 16_060_522_496, 1], [65e9, 32.5e9, 2], [1e9, 1e9, 0]] as const) {
      const old = Math.ceil((download / 100e6 + perGpu / 500e6 + 300) / 10) * 10;
      expect(planStartup({ downloadBytes: download, weightBytesPerGpu: perGpu, gpus, cacheMode: 'per-replica' }).probeBudgetSeconds).toBe(old);
    }
  });

  it('compile allowances: the cold one covers the warm one', () => {
    expect(COLD_COMPILE_SECONDS).toBeGreaterThan(WARM_COMPILE_SECONDS);
  });
});
