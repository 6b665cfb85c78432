/**
 * The cost arithmetic (catalog/cost.ts, README "Cost"): money per month from GPUs held and prices, and the roofline
 * estimate of the price of a million tokens, worked out by hand here.
 */
import { describe, expect, it } from 'vitest';
import { COST_DEFAULTS, HOURS_PER_MONTH, costReport, gatewayTokenPrices, perMillion, roofline } from '../../catalog/cost';
import { GPU_PERFORMANCE } from '../../catalog/gpu-performance';
import { MODELS } from '../../catalog/models';
import { loadEnvironment } from '../../environments/load';
import { resolveEnvironment } from '../../environments/resolve';
import { largeEnvironment } from '../../bench/large-environment';
import { MINIMAL, tempDir, writeEnvs } from '../support/env';
import { REPO } from '../support/paths';
import { presetEnv, PRESETS } from '../support/synth';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const load = (env: object) => loadEnvironment(writeEnvs({ env })['env']!).resolved;

/** A pool at a declared price and one model at TP 2 with 3 replicas (the done-when case). */
const TP2X3 = {
  ...MINIMAL,
  gpuPools: [{ name: 'big', gpu: 'h100-80gb', gpusPerNode: 8, nodes: ['node-1'], pricePerGpuHour: 2.87 }],
  models: [{ name: 'llama-8b', model: 'meta-llama/Llama-3.1-8B-Instruct', pool: 'big', tensorParallel: 2, replicas: 3 }],
};

describe('money per month', () => {
  it('a model at TP 2 with 3 replicas on a pool at a declared price costs GPUs x 730 h x price, exactly', () => {
    const report = costReport(load(TP2X3));
    const s = report.servers.find((x) => x.name === 'llama-8b')!;
    expect(s.gpus).toEqual({ min: 6, max: 6 });
    expect(s.gpuHoursPerMonth).toEqual({ min: 6 * 730, max: 6 * 730 });
    expect(s.monthly).toEqual({ min: 6 * 730 * 2.87, max: 6 * 730 * 2.87 });
    expect(HOURS_PER_MONTH).toBe(730);
    // the pool: all 8 GPUs of its node, 2 of them idle
    expect(report.pools[0]).toMatchObject({ gpus: 8, devices: 8, usedDevices: 6, idleDevices: 2, idleGpus: 2, monthly: 8 * 730 * 2.87, idleMonthly: 2 * 730 * 2.87 });
    expect(report.total).toMatchObject({ monthly: 8 * 730 * 2.87, allocated: { min: 6 * 730 * 2.87, max: 6 * 730 * 2.87 }, idle: 2 * 730 * 2.87, unpricedPools: [] });
  });

  it('takes cost.gpuPrices for a pool without its own price; a pool price wins; no price: null, left out of the sums', () => {
    const env = {
      ...TP2X3,
      gpuPools: [
        { name: 'big', gpu: 'h100-80gb', gpusPerNode: 8, nodes: ['node-1'] },
        { name: 'own', gpu: 'h100-80gb', gpusPerNode: 4, nodes: ['node-2'], pricePerGpuHour: 3 },
        { name: 'none', gpu: 'l4-24gb', gpusPerNode: 1, nodes: ['node-3'] },
      ],
      cost: { gpuPrices: { 'h100-80gb': 2 } },
    };
    const r = costReport(load(env));
    expect(r.pools.map((p) => [p.name, p.pricePerGpuHour, p.monthly])).toEqual([
      ['big', 2, 8 * 730 * 2],
      ['own', 3, 4 * 730 * 3],
      ['none', null, null],
    ]);
    expect(r.total.monthly).toBe(8 * 730 * 2 + 4 * 730 * 3);
    expect(r.total.unpricedPools).toEqual(['none']);
  });

  it('autoscaling: min and max replicas (the peak); MIG slices pay their share of a GPU; margin on top', () => {
    const env = {
      ...MINIMAL,
      gpuPools: [
        { name: 'big', gpu: 'h100-80gb', gpusPerNode: 8, nodes: ['node-1'], pricePerGpuHour: 2.5 },
        { name: 'mig', gpu: 'a100-80gb', gpusPerNode: 8, nodes: ['node-2'], sharing: { mode: 'mig', profile: '3g.40gb' }, pricePerGpuHour: 1.9 },
      ],
      models: [
        { name: 'llama-8b', model: 'meta-llama/Llama-3.1-8B-Instruct', pool: 'big', tensorParallel: 2, autoscaling: { min: 1, max: 3 } },
        { name: 'qwen-7b', model: 'Qwen/Qwen2.5-7B-Instruct', pool: 'mig', maxModelLen: 8192, replicas: 3 },
      ],
      cost: { margin: 0.25 },
    };
    const r = costReport(load(env));
    expect(r.servers.find((s) => s.name === 'llama-8b')).toMatchObject({ replicas: { min: 1, max: 3 }, gpus: { min: 2, max: 6 }, monthly: { min: 2 * 730 * 2.5, max: 6 * 730 * 2.5 } });
    // 3 slices of 3g.40gb (two a GPU) = 1.5 GPUs
    expect(r.servers.find((s) => s.name === 'qwen-7b')).toMatchObject({ devicesPerReplica: 1, gpus: { min: 1.5, max: 1.5 }, monthly: { min: 1.5 * 730 * 1.9, max: 1.5 * 730 * 1.9 } });
    const mig = r.pools.find((p) => p.name === 'mig')!;
    expect(mig).toMatchObject({ gpus: 8, devices: 16, usedDevices: 3, idleDevices: 13, idleGpus: 6.5 });
    const total = 8 * 730 * 2.5 + 8 * 730 * 1.9;
    expect(r.total.monthly).toBeCloseTo(total, 9);
    expect(r.total.margin).toBeCloseTo(total * 0.25, 9);
    expect(r.total.charged).toBeCloseTo(total * 1.25, 9);
  });

  it('counts GPU embedding servers, one device a replica; CPU ones hold no GPU', () => {
    const env = { ...TP2X3, embeddings: [{ name: 'bge', model: 'BAAI/bge-base-en-v1.5', pool: 'big', replicas: 2 }, { name: 'cpu-bge', model: 'BAAI/bge-base-en-v1.5', pool: 'cpu' }] };
    const r = costReport(load(env));
    expect(r.servers.map((s) => s.name)).toEqual(['llama-8b', 'bge']);
    expect(r.servers[1]).toMatchObject({ kind: 'embedding', gpus: { min: 2, max: 2 }, monthly: { min: 2 * 730 * 2.87, max: 2 * 730 * 2.87 } });
  });

  it('works on every preset: each priced, the sums add up', () => {
    for (const name of PRESETS) {
      const r = costReport(resolveEnvironment(presetEnv(name)));
      expect(r.total.unpricedPools, name).toEqual([]);
      expect(r.total.monthly, name).toBeCloseTo(r.pools.reduce((a, p) => a + p.monthly!, 0), 6);
      // what the servers hold at their peak and what is idle make up the pools (each device counted once)
      expect(r.total.allocated.max + r.total.idle, name).toBeCloseTo(r.total.monthly, 6);
      for (const t of r.tokens) expect(t.outputPerMillion, `${name} ${t.model}`).toBeGreaterThan(0);
    }
  });

  it('works on the large benchmark environment (no prices: GPUs and hours, no money)', () => {
    const file = join(tempDir(), 'large.yaml');
    writeFileSync(file, largeEnvironment());
    const r = costReport(loadEnvironment(file).resolved);
    expect(r.servers).toHaveLength(200);
    expect(r.pools).toHaveLength(20);
    expect(r.total.unpricedPools).toHaveLength(20);
    expect(r.total.monthly).toBe(0);
    expect(r.servers.every((s) => s.monthly === null && s.gpuHoursPerMonth.max === s.gpus.max * 730)).toBe(true);
  });
});

describe('price per million tokens (estimate)', () => {
  it('the roofline of Llama 3.3 70B FP8 on 4 x H100, worked by hand', () => {
    // the planner's figures (test/catalog/planner.test.ts, README capacity): 18,197,989,381 B weights per GPU,
    // KV 2 x 80 layers x (8/4) heads x 128 x 2 B = 81,920 B per token per GPU, 658,303 tokens of KV cache, 1024 seqs
    const plan = { gpusPerReplica: 4, weightBytesPerGpu: 18_197_989_381, kvBytesPerTokenPerGpu: 81_920, kvCapacityTokens: 658_303, overhead: { maxNumSeqs: 1024 } };
    const h100 = GPU_PERFORMANCE['h100-80gb']!;
    const rates = roofline({ plan, activeParameters: 70_553_706_496, bandwidth: h100.memoryBandwidthGBs * 1e9, flops: h100.denseFp8Tflops! * 1e12, contextTokens: 2048 });
    // batch = min(1024, floor(658,303 / 2048) = 321) = 321
    expect(rates.batch).toBe(321);
    // bytes = 18,197,989,381 + 321 x 2048 x 81,920 = 18,197,989,381 + 53,854,863,360 = 72,052,852,741 B
    // memory: 72,052,852,741 / 3.35e12 = 21.508 ms; compute: 2 x 70.55e9 x 321 / 4 / 1.979e15 = 5.722 ms
    expect(rates.bound).toBe('memory');
    expect(rates.stepSeconds).toBeCloseTo(72_052_852_741 / 3.35e12, 12);
    // 321 / 0.0215083 s = 14,924.5 tokens/s
    expect(rates.decodeTokensPerSecond).toBeCloseTo(14_924.5, 0);
    // prefill: 4 x 1.979e15 / (2 x 70.55e9) = 56,099.6 tokens/s
    expect(rates.prefillTokensPerSecond).toBeCloseTo((4 * 1.979e15) / (2 * 70_553_706_496), 6);
    // 4 GPUs at 2.49 = 9.96 an hour; at 50%: 9.96 / (14,924.5 x 3600 x 0.5) x 1e6 = 0.3708 per million output
    expect(perMillion(9.96, rates.decodeTokensPerSecond, 0.5)).toBeCloseTo(0.3708, 4);
    expect(perMillion(9.96, rates.prefillTokensPerSecond, 0.5)).toBeCloseTo(0.0986, 4);
  });

  it('is compute-bound when few bytes feed many FLOPs (a small model, a long batch of short sequences)', () => {
    const plan = { gpusPerReplica: 1, weightBytesPerGpu: 1e9, kvBytesPerTokenPerGpu: 1000, kvCapacityTokens: 10_000_000, overhead: { maxNumSeqs: 1024 } };
    const r = roofline({ plan, activeParameters: 1e9, bandwidth: 1e12, flops: 1e14, contextTokens: 100 });
    // bytes: 1e9 + 1024 x 100 x 1000 = 1.1024e9 -> 1.1024 ms; FLOPs: 2 x 1e9 x 1024 / 1e14 = 20.48 ms
    expect(r).toMatchObject({ batch: 1024, bound: 'compute' });
    expect(r.stepSeconds).toBeCloseTo(0.02048, 12);
  });

  it('a mixture of experts computes with its active parameters (gpt-oss-120b: 5.13B of 116.83B)', () => {
    expect(MODELS['openai/gpt-oss-120b']!.activeParameters).toBe(5_130_000_000);
    const r = costReport(resolveEnvironment(presetEnv('prod')));
    const t = r.tokens.find((x) => x.model === 'gpt-oss-120b')!;
    // prefill over 2 H100s at the 16-bit rate (MXFP4 weights, 16-bit math): 2 x 989e12 / (2 x 5.13e9)
    expect(t.prefillTokensPerSecond).toBeCloseTo((2 * 989e12) / (2 * 5.13e9), 6);
  });

  it('prod: the per-model figures follow the formulas from the report\'s own inputs', () => {
    const resolved = resolveEnvironment(presetEnv('prod'));
    const r = costReport(resolved);
    const llama = resolved.models.find((m) => m.spec.name === 'llama-70b')!;
    const t = r.tokens.find((x) => x.model === 'llama-70b')!;
    const batch = Math.min(llama.plan.overhead.maxNumSeqs, Math.floor(llama.plan.kvCapacityTokens / COST_DEFAULTS.contextTokens));
    expect(t.batch).toBe(batch);
    const step = (llama.plan.weightBytesPerGpu + batch * 2048 * llama.plan.kvBytesPerTokenPerGpu) / 3350e9;
    expect(t.decodeTokensPerSecond).toBeCloseTo(batch / step, 6);
    // the H100 pool's price comes from cost.gpuPrices (2.49); 4 GPUs a replica; utilisation 0.5
    expect(t.outputPerMillion).toBeCloseTo(((4 * 2.49) / ((batch / step) * 3600 * 0.5)) * 1e6, 9);
    // qwen-7b on a 3g.40gb slice (two a GPU): half the A100's bandwidth and half its price
    const qwen = resolved.models.find((m) => m.spec.name === 'qwen-7b')!;
    const q = r.tokens.find((x) => x.model === 'qwen-7b')!;
    const qStep = Math.max((qwen.plan.weightBytesPerGpu + q.batch * 2048 * qwen.plan.kvBytesPerTokenPerGpu) / (2039e9 / 2), (2 * qwen.arch.parameters * q.batch) / (312e12 / 2));
    expect(q.stepSeconds).toBeCloseTo(qStep, 12);
    expect(q.outputPerMillion).toBeCloseTo((1.89 / 2 / ((q.batch / qStep) * 3600 * 0.5)) * 1e6, 9);
  });

  it('gateway per-token prices: the estimate with the margin, per token; none without a price', () => {
    const r = costReport(load({ ...TP2X3, cost: { margin: 0.2 } }));
    const t = r.tokens[0]!;
    expect(gatewayTokenPrices(r, 'llama-8b')).toEqual({ inputCostPerToken: Number(((t.inputPerMillion! * 1.2) / 1e6).toPrecision(4)), outputCostPerToken: Number(((t.outputPerMillion! * 1.2) / 1e6).toPrecision(4)) });
    const unpriced = costReport(load({ ...TP2X3, gpuPools: [{ ...TP2X3.gpuPools[0], pricePerGpuHour: undefined }] }));
    expect(gatewayTokenPrices(unpriced, 'llama-8b')).toBeUndefined();
  });
});

describe('README "Cost" worked example', () => {
  it('quotes the figures prod computes', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    // the section's prose, its line breaks read as spaces
    const section = readme.slice(readme.indexOf('\n## Cost\n'), readme.indexOf('\n## Deploying\n')).replace(/\s+/g, ' ');
    const r = costReport(resolveEnvironment(presetEnv('prod')));
    const usd = (v: number) => `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    expect(section).toContain(`cost **${usd(r.total.monthly)} a month**`);
    expect(section).toContain(`hold ${usd(r.total.allocated.min)} of it at their fewest`);
    expect(section).toContain(`${usd(r.total.allocated.max)} at their most`);
    expect(section).toContain(`${usd(r.total.idle)} is idle at the peak`);
    expect(section).toContain(`${usd(r.total.charged)}, under the ${usd(r.total.monthlyBudget!).replace('.00', '')} budget`);
    expect(section).toContain(`= ${usd(r.servers.find((s) => s.name === 'llama-70b')!.monthly!.max)})`);
    const llama = r.tokens.find((t) => t.model === 'llama-70b')!;
    expect(section).toContain(`batch ${llama.batch} `);
    expect(section).toContain(`**$${llama.outputPerMillion!.toFixed(2)} per million output tokens**`);
    expect(section).toContain(`$${llama.inputPerMillion!.toFixed(2)} per million input tokens`);
    expect(section).toContain(`about ${Math.round(10 / llama.outputPerMillion!)}x cheaper`);
  });
});
