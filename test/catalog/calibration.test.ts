/**
 * The planner against real vLLM start-up reports (test/fixtures/vllm-startup-reports.ts): never optimistic, close on
 * most, and every configuration vLLM could not start is refused (or, for a failure after the KV cache was sized,
 * warned about). Each report is planned with its own vLLM release: the terms that changed between releases (the
 * sampler warm-up, CUDA graphs, the V2 model runner, NCCL buffers) follow it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuSpec, poolDevice } from '../../catalog/gpus';
import { MODELS } from '../../catalog/models';
import { outsideBudgetFinding } from '../../catalog/outside-budget';
import { GIB, afterKvSamplerBytes, effectiveServing, modelRunner, plan, type Plan } from '../../catalog/planner';
import { STARTUP_REPORTS, type StartupReport } from '../fixtures/vllm-startup-reports';

const comparable = STARTUP_REPORTS.filter((r) => r.comparable);

function architecture(r: StartupReport) {
  const arch = r.architecture ?? MODELS[r.model];
  if (!arch) throw new Error(`${r.id}: ${r.model} is neither in the catalogue nor described`);
  return arch;
}

export function planForReport(r: StartupReport): Plan {
  const arch = architecture(r);
  const catalogue = poolDevice(gpuSpec(r.gpu), { mode: 'none' })!;
  const device = r.planWithLoggedTotal ? { ...catalogue, memoryBytes: Math.floor(r.loggedTotalGiB! * GIB) } : catalogue;
  const pipelineParallel = r.pipelineParallel ?? 1;
  const kvCacheDtype = r.kvCacheDtype ?? 'auto';
  const eff = effectiveServing({ model: r.model, tensorParallel: r.tensorParallel, pipelineParallel, kvCacheDtype, quantization: r.quantization, gpuMemoryUtilization: r.gpuMemoryUtilization }, arch);
  return plan({
    arch,
    gpuMemoryBytes: device.memoryBytes,
    tensorParallel: r.tensorParallel,
    pipelineParallel,
    quantization: eff.quantization,
    kvCacheDtype,
    maxModelLen: r.maxModelLen,
    gpuMemoryUtilization: r.gpuMemoryUtilization,
    largeBatchDefaults: device.largeBatchDefaults,
    nvlink: device.nvlink,
    extraArgs: r.extraArgs,
    vllmVersion: r.vllmVersion,
  });
}

/** Planned and likely KV memory against the reported one: negative = the planner holds less (safe). */
export function calibrationRows() {
  return comparable
    .filter((r) => r.started && r.availableKvGiB !== undefined)
    .map((r) => {
      const p = planForReport(r);
      const planned = p.kvCacheBytesPerGpu / GIB;
      const likely = p.likelyKvCacheBytesPerGpu / GIB;
      const reported = r.availableKvGiB!;
      return { r, p, planned, likely, error: (planned - reported) / reported, likelyError: (likely - reported) / reported };
    });
}

const share = (rows: ReturnType<typeof calibrationRows>, key: 'error' | 'likelyError') => rows.filter((x) => Math.abs(x[key]) <= 0.1).length / rows.length;
const listing = (rows: ReturnType<typeof calibrationRows>) => rows.map((x) => `${x.r.id}: planned ${(x.error * 100).toFixed(1)}%, likely ${(x.likelyError * 100).toFixed(1)}%`).join('\n');

describe('calibration against public vLLM start-up reports', () => {
  it('holds enough reports, each with a source, a GPU, a version and figures', () => {
    expect(STARTUP_REPORTS.length).toBeGreaterThanOrEqual(15);
    expect(calibrationRows().length).toBeGreaterThanOrEqual(50);
    for (const r of STARTUP_REPORTS) {
      expect(r.url, r.id).toMatch(/\S/);
      expect(r.vllmVersion, r.id).toMatch(/\S/);
      expect(r.weightsGiB ?? r.availableKvGiB ?? r.kvTokens, `${r.id} logs no figure`).toBeDefined();
      expect(r.started === (r.failure === undefined), `${r.id}: a failed start says why`).toBe(true);
    }
    expect(new Set(STARTUP_REPORTS.map((r) => r.id)).size).toBe(STARTUP_REPORTS.length);
  });

  it('is never optimistic: planned KV memory and tokens are at most what vLLM reported', () => {
    for (const { r, p, planned } of calibrationRows()) {
      // reports round to 0.01 GiB
      expect(planned, `${r.id}: planned ${planned.toFixed(2)} GiB, vLLM ${r.availableKvGiB} GiB`).toBeLessThanOrEqual(r.availableKvGiB! + 0.005);
      if (r.kvTokens !== undefined) expect(p.kvCapacityTokens, `${r.id}: tokens`).toBeLessThanOrEqual(r.kvTokens);
    }
  });

  it('says what vLLM will likely report within 10% on at least 90% of the started reports', () => {
    const rows = calibrationRows();
    expect(share(rows, 'likelyError'), listing(rows)).toBeGreaterThanOrEqual(0.9);
  });

  it('plans with a figure within 10% of the report on at least 80% of them, and on 90% of those with 8 GiB or more', () => {
    // Below 8 GiB the safety terms (the margin, envelopes of the overhead) are a large share of a small cache.
    const rows = calibrationRows();
    expect(share(rows, 'error'), listing(rows)).toBeGreaterThanOrEqual(0.8);
    const large = rows.filter((x) => x.r.availableKvGiB! >= 8);
    expect(share(large, 'error'), listing(large)).toBeGreaterThanOrEqual(0.9);
  });

  it('refuses every configuration vLLM could not fit, and every one that failed warming its sampler up', () => {
    const failed = comparable.filter((x) => !x.started);
    expect(failed.filter((x) => x.failure === 'warmup').length).toBeGreaterThanOrEqual(2);
    for (const r of failed) {
      const p = planForReport(r);
      if (r.failure === 'kv') {
        const refused = p.kvCacheBytesPerGpu <= 0 || p.fullLengthSequences < 1;
        expect(refused, `${r.id}: planner keeps ${(p.kvCacheBytesPerGpu / GIB).toFixed(2)} GiB, ${p.kvCapacityTokens} tokens for ${r.maxModelLen}`).toBe(true);
      } else {
        // the finding `check` and the constructs refuse with (catalog/outside-budget.ts)
        expect(architecture(r).mixtureOfExperts, r.id).toBe(true);
        expect(p.outsideBudgetBytesPerGpu, `${r.id}: room outside the budget vs the warm-up`).toBeLessThan(afterKvSamplerBytes(p, architecture(r)));
        expect(outsideBudgetFinding(p, architecture(r), r.gpuMemoryUtilization)?.refuse, r.id).toBe(true);
      }
    }
  });

  it('names the started configurations it would refuse or warn about (conservative misses, kept visible)', () => {
    const refused = calibrationRows().filter(({ p }) => p.kvCacheBytesPerGpu <= 0 || p.fullLengthSequences < 1).map((x) => x.r.id);
    expect(refused).toEqual(['llmd-h100-gptoss120b', 'llmd-h100-qwen3-32b-16k']);
    const outside = calibrationRows()
      .map((x) => ({ id: x.r.id, f: outsideBudgetFinding(x.p, architecture(x.r), x.r.gpuMemoryUtilization) }))
      .filter((x) => x.f !== undefined);
    // gpt-oss-120b at 0.95 on vLLM 0.11 started with about the room the 0.19 failures had (it is refused at 16k anyway)
    expect(outside.map((x) => `${x.id}: ${x.f!.refuse ? 'refused' : 'warned'}`)).toEqual(['llmd-h100-gptoss120b: refused']);
  });

  it('refuses gpt-oss-120b on one H100 at 0.9 at any length', () => {
    const r = STARTUP_REPORTS.find((x) => x.id === 'vllm-23278-h100-gptoss120b')!;
    const p = planForReport({ ...r, maxModelLen: 1024 });
    expect(p.kvCacheBytesPerGpu).toBeLessThanOrEqual(0);
    expect(p.largestMaxModelLen).toBe(0);
  });

  it("follows each report's vLLM: the V2 runner for dense models from 0.27, CUDA graphs counted by V1 from 0.20.1, the lighter sampler from 0.17", () => {
    const llama = STARTUP_REPORTS.find((x) => x.id === 'planner-h100-llama8b')!;
    const at = (vllmVersion: string, extraArgs: readonly string[] = []) => planForReport({ ...llama, vllmVersion, extraArgs }).overhead;
    expect(modelRunner(MODELS['meta-llama/Llama-3.1-8B-Instruct']!, '0.27.1')).toBe('v2');
    expect(modelRunner(MODELS['openai/gpt-oss-120b']!, '0.27.1')).toBe('v1');
    expect(modelRunner({}, '0.27.1')).toBe('v1');
    expect(modelRunner(MODELS['meta-llama/Llama-3.1-8B-Instruct']!, '0.19.0')).toBe('v1');
    // V1 before 0.17: 40 B per sequence per vocabulary entry; from 0.17: 16 B
    expect(at('0.11.0').samplerBytes).toBe(1024 * 128_256 * 40);
    expect(at('0.19.0').samplerBytes).toBe(1024 * 128_256 * 16);
    expect(at('0.19.0').cudaGraphBytes).toBe(0);
    expect(at('0.20.1').cudaGraphBytes).toBe(2 * GIB);
    expect(at('0.20.1', ['--enforce-eager']).cudaGraphBytes).toBe(0);
    // the pinned release runs Llama on V2: no sampler sort in its profile, graphs outside the budget
    expect(at('0.27.1')).toMatchObject({ runner: 'v2', samplerBytes: 0, cudaGraphBytes: 0, cudaGraphEstimateBytes: 2 * GIB });
  });

  it('plans a dense model on NVLink GPUs with the all-reduce memory every H100 log shows, and the V2 penalty buffer', () => {
    // vLLM 0.19 on H100 SXM: non-torch 2.06-2.21 GiB at TP 2-4 against 0.25 at TP 1 (NCCL and custom all-reduce
    // buffers; the model runner does not change them). V2 keeps output_bin_counts, max_num_seqs x vocabulary x int32
    // (sample/penalties.py at main 6adad087), inside the budget.
    const h100 = poolDevice(gpuSpec('h100-80gb'), { mode: 'none' })!;
    const pcie = poolDevice(gpuSpec('rtx-pro-6000-96gb'), { mode: 'none' })!;
    expect(h100.nvlink).toBe(true);
    expect(pcie.nvlink).toBe(false);
    const at = (d: typeof h100, tensorParallel: number) =>
      plan({ arch: MODELS['meta-llama/Llama-3.3-70B-Instruct']!, gpuMemoryBytes: d.memoryBytes, largeBatchDefaults: d.largeBatchDefaults, nvlink: d.nvlink, tensorParallel, pipelineParallel: 1, quantization: 'fp8', kvCacheDtype: 'auto', maxModelLen: 8192, gpuMemoryUtilization: 0.9 }).overhead;
    expect(at(h100, 4)).toMatchObject({ runner: 'v2', nonTorchBytes: 2.25 * GIB });
    expect(at(pcie, 2).nonTorchBytes).toBe(0.5 * GIB);
    expect(at(h100, 4).activationBytes).toBe(Math.round(1.1 * GIB) + 1024 * 128_256 * 4);
  });

  it('is the table README shows', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const { r, planned, likely, error } of calibrationRows()) {
      const cells = `| ${r.availableKvGiB!.toFixed(2)} | ${planned.toFixed(2)} | ${(error * 100).toFixed(1)}% | ${likely.toFixed(2)} |`;
      expect(readme, `${r.id}: ${cells}`).toContain(cells);
    }
  });
});
