/**
 * The planner against real vLLM start-up reports (test/fixtures/vllm-startup-reports.ts): never optimistic, close on
 * most, and every configuration vLLM refused is refused here too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpuSpec, poolDevice } from '../../catalog/gpus';
import { MODELS } from '../../catalog/models';
import { GIB, effectiveServing, plan, type Plan } from '../../catalog/planner';
import { STARTUP_REPORTS, type StartupReport } from '../fixtures/vllm-startup-reports';

const comparable = STARTUP_REPORTS.filter((r) => r.comparable);

function planFor(r: StartupReport): Plan {
  const arch = r.architecture ?? MODELS[r.model];
  if (!arch) throw new Error(`${r.id}: ${r.model} is neither in the catalogue nor described`);
  const device = poolDevice(gpuSpec(r.gpu), { mode: 'none' })!;
  const eff = effectiveServing({ model: r.model, tensorParallel: r.tensorParallel, pipelineParallel: 1, kvCacheDtype: 'auto', gpuMemoryUtilization: r.gpuMemoryUtilization }, arch);
  // The report's own vLLM: releases before 0.21 sized the KV cache before capturing CUDA graphs.
  return plan({
    arch,
    gpuMemoryBytes: device.memoryBytes,
    tensorParallel: r.tensorParallel,
    pipelineParallel: 1,
    quantization: eff.quantization,
    kvCacheDtype: 'auto',
    maxModelLen: r.maxModelLen,
    gpuMemoryUtilization: r.gpuMemoryUtilization,
    largeBatchDefaults: device.largeBatchDefaults,
    extraArgs: r.extraArgs,
    vllmVersion: r.vllmVersion,
  });
}

/** Planned KV memory against the reported one: negative = the planner holds less (safe). */
export function calibrationRows() {
  return comparable
    .filter((r) => r.started && r.availableKvGiB !== undefined)
    .map((r) => {
      const p = planFor(r);
      const planned = p.kvCacheBytesPerGpu / GIB;
      return { r, p, planned, error: (planned - r.availableKvGiB!) / r.availableKvGiB! };
    });
}

describe('calibration against public vLLM start-up reports', () => {
  it('holds enough reports, each with a source, a GPU, a version and figures', () => {
    expect(STARTUP_REPORTS.length).toBeGreaterThanOrEqual(15);
    expect(comparable.length).toBeGreaterThanOrEqual(15);
    for (const r of STARTUP_REPORTS) {
      expect(r.url, r.id).toMatch(/\S/);
      expect(r.vllmVersion, r.id).toMatch(/\S/);
      expect(r.weightsGiB ?? r.availableKvGiB ?? r.kvTokens, `${r.id} logs no figure`).toBeDefined();
    }
  });

  it('is never optimistic: planned KV memory and tokens are at most what vLLM reported', () => {
    for (const { r, p, planned } of calibrationRows()) {
      // reports round to 0.01 GiB
      expect(planned, `${r.id}: planned ${planned.toFixed(2)} GiB, vLLM ${r.availableKvGiB} GiB`).toBeLessThanOrEqual(r.availableKvGiB! + 0.005);
      if (r.kvTokens !== undefined) expect(p.kvCapacityTokens, `${r.id}: tokens`).toBeLessThanOrEqual(r.kvTokens);
    }
  });

  it('is within 10% of the reported KV memory on at least 90% of the started reports with 8 GiB or more of it', () => {
    // Below 8 GiB the fixed safety (margin, MXFP4 at +9%, rounded-up sampler) is a large share of a small cache;
    // those reports are held to "never optimistic" above, and README lists their error too.
    const rows = calibrationRows().filter((x) => x.r.availableKvGiB! >= 8);
    const close = rows.filter((x) => Math.abs(x.error) <= 0.1);
    const table = rows.map((x) => `${x.r.id}: ${(x.error * 100).toFixed(1)}%`).join('\n');
    expect(rows.length).toBeGreaterThanOrEqual(9);
    expect(close.length / rows.length, table).toBeGreaterThanOrEqual(0.9);
  });

  it('models the pinned vLLM for everything else: CUDA graphs counted, unless --enforce-eager', () => {
    const r = STARTUP_REPORTS.find((x) => x.id === 'llmd-h100-llama8b')!;
    const asReported = planFor(r);
    const pinned = planFor({ ...r, vllmVersion: '0.27.1' });
    expect(asReported.overhead.cudaGraphBytes).toBe(0);
    expect(pinned.overhead.cudaGraphBytes).toBe(GIB);
    expect(planFor({ ...r, vllmVersion: '0.27.1', extraArgs: ['--enforce-eager'] }).overhead.cudaGraphBytes).toBe(0);
  });

  it('refuses every configuration vLLM could not start', () => {
    for (const r of comparable.filter((x) => !x.started)) {
      const p = planFor(r);
      const refused = p.kvCacheBytesPerGpu <= 0 || p.fullLengthSequences < 1;
      expect(refused, `${r.id}: planner keeps ${(p.kvCacheBytesPerGpu / GIB).toFixed(2)} GiB, ${p.kvCapacityTokens} tokens for ${r.maxModelLen}`).toBe(true);
    }
  });

  it('refuses gpt-oss-120b on one H100 at 0.9 at any length', () => {
    const r = STARTUP_REPORTS.find((x) => x.id === 'vllm-23278-h100-gptoss120b')!;
    const p = planFor({ ...r, maxModelLen: 1024 });
    expect(p.kvCacheBytesPerGpu).toBeLessThanOrEqual(0);
    expect(p.largestMaxModelLen).toBe(0);
  });

  it('is the table README shows', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const { r, planned, error } of calibrationRows()) {
      const cells = `| ${r.availableKvGiB!.toFixed(2)} | ${planned.toFixed(2)} | ${(error * 100).toFixed(1)}% |`;
      expect(readme, `${r.id}: ${cells}`).toContain(cells);
    }
  });
});
