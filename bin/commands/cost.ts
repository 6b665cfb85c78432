/**
 * `inference-stack cost --env X [--json]`: what the environment's GPUs cost a month, per server and per pool, the
 * idle GPUs, the margin, and the estimated price of a million tokens beside the hosted models' list prices
 * (catalog/cost.ts computes; this file prints). `diff` shows the change between two environments (`costChange`).
 */
import pc from 'picocolors';
import { costReport, type CostReport } from '../../catalog/cost';
import type { ResolvedEnvironment } from '../../environments/resolve';
import { table } from './capacity';

export function environmentCost(r: ResolvedEnvironment): CostReport {
  return costReport(r);
}

/** Money with two decimals and thousands separators (`12,345.60`). */
export const money = (v: number): string => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** A price per hour as declared (up to 4 decimals: 0.8048). */
const price = (v: number): string => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
/** A count that may be fractional (MIG slices hold part of a GPU). */
const count = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const range = (r: { min: number; max: number }, f: (v: number) => string) => (r.min === r.max ? f(r.max) : `${f(r.min)}-${f(r.max)}`);
const orDash = (v: number | null, f: (v: number) => string = money) => (v === null ? '-' : f(v));

export function formatCost(r: CostReport, color: boolean): string {
  const c = pc.createColors(color);
  const cur = r.currency;
  const servers = table(
    ['server', 'kind', 'pool', 'devices/replica', 'replicas', 'GPUs held', 'GPU-hours/month', `${cur}/month`],
    r.servers.map((s) => [s.name, s.kind, s.pool, String(s.devicesPerReplica), range(s.replicas, String), range(s.gpus, count), range(s.gpuHoursPerMonth, count), s.monthly ? range(s.monthly, money) : 'no price']),
  );
  const pools = table(
    ['pool', 'gpu', `${cur}/GPU-hour`, 'GPUs', 'devices', 'used', 'idle', 'idle GPUs', `${cur}/month`, `idle ${cur}/month`],
    r.pools.map((p) => [p.name, p.gpu, orDash(p.pricePerGpuHour, price), String(p.gpus), String(p.devices), String(p.usedDevices), String(p.idleDevices), count(p.idleGpus), orDash(p.monthly), orDash(p.idleMonthly)]),
  );
  const tokens = table(
    ['model', 'batch', 'bound', 'decode tok/s', 'prefill tok/s', `${cur}/M output`, `${cur}/M input`],
    r.tokens.map((t) => [t.model, String(t.batch), t.bound, Math.round(t.decodeTokensPerSecond).toLocaleString('en-US'), Math.round(t.prefillTokensPerSecond).toLocaleString('en-US'), orDash(t.outputPerMillion, (v) => v.toFixed(3)), orDash(t.inputPerMillion, (v) => v.toFixed(3))]),
  );
  const embeddings = r.embeddingTokens.length === 0 ? [] : [
    '',
    table(['embedding server', 'input tok/s', `${cur}/M input`], r.embeddingTokens.map((e) => [e.name, Math.round(e.tokensPerSecond).toLocaleString('en-US'), orDash(e.inputPerMillion, (v) => v.toFixed(4))])),
  ];
  const hosted = r.hosted.length === 0 ? [] : [
    '',
    c.bold(`${r.environment}: hosted models (declared list prices)`),
    table(['model', 'provider model', `${cur}/M output`, `${cur}/M input`], r.hosted.map((h) => [h.name, h.model, orDash(h.outputPerMillion, (v) => v.toFixed(3)), orDash(h.inputPerMillion, (v) => v.toFixed(3))])),
  ];
  const t = r.total;
  const totals = [
    `pools, every GPU for a month (${r.hoursPerMonth} h): ${cur} ${money(t.monthly)}`,
    `  held by the servers: ${cur} ${range(t.allocated, money)} (fewest-most replicas); idle at the most: ${cur} ${money(t.idle)}`,
    `  margin ${(t.marginRate * 100).toFixed(0)}%: ${cur} ${money(t.margin)}; charged: ${cur} ${money(t.charged)}`,
    ...(t.monthlyBudget !== null ? [`  monthly budget: ${cur} ${money(t.monthlyBudget)}${t.monthlyBudget < t.monthly ? c.yellow(` (the GPUs alone are ${cur} ${money(t.monthly - t.monthlyBudget)} over it)`) : ''}`] : []),
    ...(t.unpricedPools.length > 0 ? [c.yellow(`no price for pool${t.unpricedPools.length > 1 ? 's' : ''} ${t.unpricedPools.join(', ')}: set pricePerGpuHour, or cost.gpuPrices for the GPU; left out of the sums`)] : []),
  ];
  return [
    c.bold(`${r.environment}: servers`),
    servers,
    '',
    c.bold(`${r.environment}: pools`),
    pools,
    '',
    c.bold(`${r.environment}: total per month`),
    ...totals,
    '',
    c.bold(`${r.environment}: price per million tokens (estimate)`),
    tokens,
    ...embeddings,
    ...hosted,
    '',
    `Estimates: a roofline bound per replica at its planned concurrency (batch, ${r.contextTokens} tokens of context each) at ${(r.utilisation * 100).toFixed(0)}% utilisation; before the margin. README "Cost" has the formulas.`,
  ].join('\n');
}

export interface CostChange {
  readonly currency: { readonly from: string; readonly to: string };
  readonly monthly: { readonly from: number; readonly to: number; readonly change: number };
  readonly charged: { readonly from: number; readonly to: number; readonly change: number };
  readonly servers: ReadonlyArray<{ readonly name: string; readonly from: number | null; readonly to: number | null }>;
}

/** The monthly cost change between two environments: totals, and each server whose cost (at most replicas) differs. */
export function costChange(a: CostReport, b: CostReport): CostChange {
  const at = (r: CostReport) => new Map(r.servers.map((s) => [s.name, s.monthly?.max ?? null]));
  const [ma, mb] = [at(a), at(b)];
  const names = [...new Set([...ma.keys(), ...mb.keys()])].sort();
  return {
    currency: { from: a.currency, to: b.currency },
    monthly: { from: a.total.monthly, to: b.total.monthly, change: b.total.monthly - a.total.monthly },
    charged: { from: a.total.charged, to: b.total.charged, change: b.total.charged - a.total.charged },
    servers: names.map((n) => ({ name: n, from: ma.get(n) ?? null, to: mb.get(n) ?? null })).filter((s) => s.from !== s.to),
  };
}

export function formatCostChange(c: CostChange): string {
  const signed = (v: number) => `${v >= 0 ? '+' : '-'}${money(Math.abs(v))}`;
  const cur = c.currency.from === c.currency.to ? c.currency.to : `${c.currency.from} -> ${c.currency.to}`;
  const lines = [
    'cost per month (GPUs of the pools; README "Cost"):',
    `  total: ${cur} ${money(c.monthly.from)} -> ${money(c.monthly.to)} (${signed(c.monthly.change)})`,
    `  charged (with margin): ${cur} ${money(c.charged.from)} -> ${money(c.charged.to)} (${signed(c.charged.change)})`,
  ];
  for (const s of c.servers) lines.push(`  ${s.name} (most replicas): ${s.from === null ? '(none)' : money(s.from)} -> ${s.to === null ? '(none)' : money(s.to)}`);
  return lines.join('\n');
}
