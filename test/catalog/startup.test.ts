import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../../environments/resolve';
import { REPO } from '../support/paths';
import { presetEnv } from '../support/synth';
import { MODELS } from '../../catalog/models';
import { downloadBytes, prefetchBytes, weightBytes } from '../../catalog/planner';
import { COLD_COMPILE_SECONDS, DEFAULT_STARTUP_RATES, WARM_COMPILE_SECONDS, mbps, planStartup } from '../../catalog/startup';

const LLAMA_33_70B = { model: 'meta-llama/Llama-3.3-70B-Instruct' };
const LLAMA_70B_FP8 = { model: 'neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8' };

describe('start-up estimate, against figures computed by hand (README "Start-up time")', () => {
  it('Llama 3.3 70B, bf16 checkpoint quantised to fp8 at load, tensor parallel 4, per-replica cache, default rates', () => {
    // fetched      = the bf16 checkpoint: 70,553,706,496 params x 2 B          = 141,107,412,992 B
    // download     = 141,107,412,992 / 100e6 B/s                               = 1,411.07 s
    // read per GPU = the whole checkpoint (every tensor-parallel worker of vLLM's default and runai_streamer loaders
    //                reads all of it, keeping its own slices)                   = 141,107,412,992 B
    // load         = 141,107,412,992 / 500e6 B/s                               = 282.21 s
    // cold start   = 1,411.07 + 282.21 + 300                                   = 1,993.29 s (33 min 13 s)
    // warm start   = 282.21 + 60                                               = 342.21 s
    // budget       = cold start in whole 10 s periods                          = 2,000 s
    const fetched = downloadBytes('vllm', LLAMA_33_70B);
    expect(fetched).toBe(141_107_412_992);
    const weightsPerGpu = Math.ceil(weightBytes(MODELS[LLAMA_33_70B.model]!, 'fp8') / 4);
    expect(weightsPerGpu).toBe(18_197_989_381);
    const p = planStartup({ downloadBytes: fetched, weightBytesPerGpu: weightsPerGpu, gpus: 4, cacheMode: 'per-replica' });
    expect(p.bytesFetched).toBe(141_107_412_992);
    expect(p.downloadSeconds).toBeCloseTo(1411.07413, 4);
    expect(p.readBytesPerGpu).toBe(141_107_412_992);
    expect(p.loadSeconds).toBeCloseTo(282.21483, 4);
    expect(p.coldStartSeconds).toBeCloseTo(1993.28896, 4);
    expect(p.warmStartSeconds).toBeCloseTo(342.21483, 4);
    expect(p.probeBudgetSeconds).toBe(2000);
  });

  it('the same with a shared cache: the prefetch Job pays the download, the budget is load + cold compile', () => {
    // budget = 282.21 + 300 = 582.21 -> 590 s: the warm start (342.21 s) with the cold compile as margin; the first
    // start of a new revision (whole-checkpoint load + cold compile) fits in it
    const fetched = prefetchBytes(LLAMA_33_70B);
    const p = planStartup({ downloadBytes: fetched, weightBytesPerGpu: 18_197_989_381, gpus: 4, cacheMode: 'shared' });
    expect(p.probeBudgetSeconds).toBe(590);
    expect(p.probeBudgetSeconds).toBeGreaterThanOrEqual(fetched / DEFAULT_STARTUP_RATES.cacheReadBytesPerSecond + COLD_COMPILE_SECONDS);
    expect(p.probeBudgetSeconds).toBeGreaterThan(p.warmStartSeconds);
    expect(p.probeBudgetSeconds).toBeLessThan(p.coldStartSeconds - p.downloadSeconds + 10);
    expect(p.coldStartSeconds).toBeCloseTo(1993.28896, 4); // a cold start (the first, by the Job) still downloads
  });

  it('every GPU worker reads the whole checkpoint, whatever the tensor-parallel size (no sharded loader rendered)', () => {
    for (const gpus of [1, 2, 4, 8]) {
      const p = planStartup({ downloadBytes: 100e9, weightBytesPerGpu: Math.ceil(50e9 / gpus), gpus, cacheMode: 'shared' });
      expect(p.readBytesPerGpu).toBe(100e9);
      expect(p.loadSeconds).toBeCloseTo(200, 6);
    }
  });

  it('Llama 3.1 70B FP8 checkpoint, TP 4: a second replica with a warm cache in about three and a half minutes, 2 min 13 s at 1,000 MB/s', () => {
    // fetched = 72,791,957,521 B (FP8 linear layers, 16-bit embeddings), each GPU worker reads all of it
    // warm    = 72,791,957,521 / 500e6 + 60 = 145.58 + 60 = 205.58 s;  at 1,000 MB/s: 72.79 + 60 = 132.79 s
    // cold    = 72,791,957,521 / 100e6 + 145.58 + 300 = 727.92 + 145.58 + 300 = 1,173.50 s
    const fetched = downloadBytes('vllm', LLAMA_70B_FP8);
    expect(fetched).toBe(72_791_957_521);
    const perGpu = Math.ceil(fetched / 4);
    const p = planStartup({ downloadBytes: fetched, weightBytesPerGpu: perGpu, gpus: 4, cacheMode: 'shared' });
    expect(p.warmStartSeconds).toBeCloseTo(205.5839, 3);
    expect(p.coldStartSeconds).toBeCloseTo(1173.5035, 3);
    const fast = planStartup({ downloadBytes: fetched, weightBytesPerGpu: perGpu, gpus: 4, cacheMode: 'shared', rates: { ...DEFAULT_STARTUP_RATES, cacheReadBytesPerSecond: mbps(1000) } });
    expect(fast.warmStartSeconds).toBeCloseTo(132.792, 2);
    expect(fast.probeBudgetSeconds).toBe(380); // 72.79 + 300 = 372.79 -> 380
  });

  it('per-replica budget: download / 100 MB/s + whole checkpoint / 500 MB/s + 300 s', () => {
    for (const [download, perGpu, gpus] of [[16_060_522_496, 16_060_522_496, 1], [65e9, 32.5e9, 2], [1e9, 1e9, 0]] as const) {
      const expected = Math.ceil((download / 100e6 + download / 500e6 + 300) / 10) * 10;
      expect(planStartup({ downloadBytes: download, weightBytesPerGpu: perGpu, gpus, cacheMode: 'per-replica' }).probeBudgetSeconds).toBe(expected);
    }
  });

  it('compile allowances: the cold one covers the warm one', () => {
    expect(COLD_COMPILE_SECONDS).toBeGreaterThan(WARM_COMPILE_SECONDS);
  });
});

describe('README "Start-up time" worked example is what prod computes', () => {
  it('llama-70b: load, cold and warm start, budgets', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Start-up time'), readme.indexOf('## Gateway (LiteLLM)'));
    const m = resolveEnvironment(presetEnv('prod')).models.find((x) => x.spec.name === 'llama-70b')!;
    const p = m.startup;
    expect(p.cacheMode).toBe('shared');
    const one = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    expect(section).toContain(`= ${p.readBytesPerGpu.toLocaleString('en-US')} / 500e6 = ${one(p.loadSeconds)} s`);
    expect(section).toContain(`= ${one(p.coldStartSeconds)} s`);
    expect(section).toContain(`= ${one(p.warmStartSeconds)} s`);
    expect(section).toContain(`shared (prod's preset): ${one(p.loadSeconds)} + 300 = ${one(p.loadSeconds + 300)} -> ${p.probeBudgetSeconds} s`);
    const perReplica = planStartup({ downloadBytes: p.bytesFetched, weightBytesPerGpu: 18_197_989_381, gpus: 4, cacheMode: 'per-replica' });
    expect(section).toContain(`per-replica: ${perReplica.probeBudgetSeconds.toLocaleString('en-US')} s`);
  });
});
