/** `inference-stack cost` and the cost part of `diff` (bin/commands/cost.ts; the arithmetic: test/catalog/cost.test.ts). */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/inference-stack';
import { money } from '../../bin/commands/cost';
import { MINIMAL, tempDir, writeEnvs } from '../support/env';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

const TP2X3 = {
  ...MINIMAL,
  name: 'tp2x3',
  gpuPools: [{ name: 'big', gpu: 'h100-80gb', gpusPerNode: 8, nodes: ['node-1'], pricePerGpuHour: 3.17 }],
  models: [{ name: 'llama-8b', model: 'meta-llama/Llama-3.1-8B-Instruct', pool: 'big', tensorParallel: 2, replicas: 3 }],
};

/** The cells of a table row whose first cell is `first`. */
const row = (text: string, first: string) => text.split('\n').find((l) => l.startsWith(`${first} `))!.trim().split(/\s{2,}/);

describe('cost', () => {
  it('a model at TP 2 x 3 replicas: GPUs x 730 x price exactly, and the text shows what the JSON says', async () => {
    const { env } = writeEnvs({ env: TP2X3 });
    const json = await run('cost', '--env', env!, '--json');
    expect(json).toMatchObject({ code: 0, err: '' });
    const report = JSON.parse(json.out);
    const s = report.servers.find((x: any) => x.name === 'llama-8b');
    expect(s).toMatchObject({ kind: 'model', pool: 'big', devicesPerReplica: 2, replicas: { min: 3, max: 3 }, gpus: { min: 6, max: 6 }, gpuHoursPerMonth: { min: 4380, max: 4380 } });
    expect(s.monthly.max).toBe(6 * 730 * 3.17);

    const text = await run('cost', '--env', env!);
    expect(text.code).toBe(0);
    // server row: name, kind, pool, devices/replica, replicas, GPUs held, GPU-hours/month, USD/month
    expect(row(text.out, 'llama-8b').slice(0, 8)).toEqual(['llama-8b', 'model', 'big', '2', '3', '6', '4380', money(s.monthly.max)]);
    expect(row(text.out, 'big')).toEqual(['big', 'h100-80gb', '3.17', '8', '8', '6', '2', '2', money(report.pools[0].monthly), money(report.pools[0].idleMonthly)]);
    expect(text.out).toContain(`pools, every GPU for a month (730 h): USD ${money(report.total.monthly)}`);
    // the token table: the same estimate, three decimals, labelled an estimate
    const t = report.tokens[0];
    expect(row(text.out.split('price per million tokens (estimate)')[1]!.split('\n').slice(1).join('\n'), 'llama-8b')).toEqual([
      'llama-8b', String(t.batch), t.bound, Math.round(t.decodeTokensPerSecond).toLocaleString('en-US'), Math.round(t.prefillTokensPerSecond).toLocaleString('en-US'), t.outputPerMillion.toFixed(3), t.inputPerMillion.toFixed(3),
    ]);
    expect(text.out).toMatch(/Estimates: a roofline bound/);
  });

  it('works on every preset, text and JSON; JSON is valid and the text names every server', async () => {
    for (const preset of ['dev', 'staging', 'prod']) {
      const json = await run('cost', '--env', preset, '--json');
      expect(json.code, preset).toBe(0);
      const report = JSON.parse(json.out);
      const text = await run('cost', '--env', preset);
      for (const s of report.servers) expect(text.out, `${preset} ${s.name}`).toMatch(new RegExp(`^${s.name} `, 'm'));
      expect(text.out).toContain(`USD ${money(report.total.monthly)}`);
    }
  });

  it('prod: the hosted fallback gpt-4o at its declared list prices beside the estimates', async () => {
    const report = JSON.parse((await run('cost', '--env', 'prod', '--json')).out);
    expect(report.hosted).toEqual([{ name: 'gpt-4o', model: 'gpt-4o', inputPerMillion: 2.5, outputPerMillion: 10 }]);
    const llama = report.tokens.find((t: any) => t.model === 'llama-70b');
    expect(llama.outputPerMillion).toBeLessThan(10);
  });

  it('reads --env relative to where it runs', async () => {
    const dir = tempDir();
    const sub = join(dir, 'envs');
    mkdirSync(sub);
    const { env } = writeEnvs({ env: TP2X3 }, sub);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await run('cost', '--env', relative(dir, env!), '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).environment).toBe('tp2x3');
    } finally {
      process.chdir(cwd);
    }
  });

  it('a pool without a price: named, left out of the sums; the GPUs and hours are still there', async () => {
    const { env } = writeEnvs({ env: { ...TP2X3, gpuPools: [{ ...TP2X3.gpuPools[0], pricePerGpuHour: undefined }] } });
    const r = await run('cost', '--env', env!);
    expect(r.code).toBe(0);
    expect(row(r.out, 'llama-8b').slice(-1)).toEqual(['no price']);
    expect(r.out).toContain('no price for pool big: set pricePerGpuHour, or cost.gpuPrices for the GPU; left out of the sums');
  });

  it('usage errors: no --env, a stray argument: exit 2 with the usage; a bad file: exit 1, located', async () => {
    const none = await run('cost');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^--env is required/);
    const stray = await run('cost', '--env', 'prod', 'extra');
    expect(stray.code).toBe(2);
    const { bad } = writeEnvs({ bad: { ...TP2X3, gpuPools: [{ ...TP2X3.gpuPools[0], pricePerGpuHour: -1 }] } });
    const r = await run('cost', '--env', bad!);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.yaml:\d+: gpuPools\[0\]\.pricePerGpuHour: -1 is not a price; use what one GPU costs for an hour/);
  });
});

describe('diff shows the cost change', () => {
  it('between two environments: totals and the servers whose cost changed', async () => {
    const { a, b } = writeEnvs({ a: TP2X3, b: { ...TP2X3, models: [{ ...TP2X3.models[0], replicas: 4 }], gpuPools: [{ ...TP2X3.gpuPools[0], pricePerGpuHour: 3.5 }] } });
    const json = JSON.parse((await run('diff', a!, b!, '--json')).out);
    expect(json.cost.monthly).toEqual({ from: 8 * 730 * 3.17, to: 8 * 730 * 3.5, change: 8 * 730 * 3.5 - 8 * 730 * 3.17 });
    expect(json.cost.servers).toEqual([{ name: 'llama-8b', from: 6 * 730 * 3.17, to: 8 * 730 * 3.5 }]);
    const text = (await run('diff', a!, b!)).out;
    expect(text).toContain(`  total: USD ${money(8 * 730 * 3.17)} -> ${money(8 * 730 * 3.5)} (+${money(8 * 730 * 3.5 - 8 * 730 * 3.17)})`);
    expect(text).toContain(`  llama-8b (most replicas): ${money(6 * 730 * 3.17)} -> ${money(8 * 730 * 3.5)}`);
  });
});
