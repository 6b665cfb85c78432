/**
 * The Grafana dashboards, snapshotted once (test/observability/__snapshots__/<name>.json): the per-environment
 * snapshots of test/stacks fold them to a digest and their variables (test/support/fold.ts). Beside the snapshot,
 * what makes one snapshot enough: the environments change only the variables' options and the GPU utilisation
 * queries (whole GPUs and MIG slices), the cost dashboard's budget line and currency, and the variables list exactly
 * the environment's models and pools.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_LABEL, dashboardVariables } from '../support/fold';
import { namedEnv, PRESETS, resourcesOf, stacksOf } from '../support/synth';

type Panel = { title: string; targets: Array<{ expr: string; legendFormat: string }> };
type Dashboard = { uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; options: Array<{ text: string; value: string }>; query?: string; current?: unknown }> } };

/** The dashboards an environment's observability stack ships, by file name (`gpus.json`). */
function dashboardsOf(preset: string): Record<string, Dashboard> {
  const maps = resourcesOf(stacksOf(preset)[`${preset}-observability`]!, 'kubernetes_config_map_v1') as Array<{ metadata: { labels?: Record<string, string> }; data: Record<string, string> }>;
  return Object.fromEntries(maps.filter((m) => m.metadata.labels?.[DASHBOARD_LABEL] === '1').flatMap((m) => Object.entries(m.data).map(([file, text]) => [file, JSON.parse(text) as Dashboard])));
}

/** A dashboard without what an environment changes: variable options, and the GPU utilisation queries. */
function shape(d: Dashboard): unknown {
  const copy = structuredClone(d);
  for (const v of copy.templating.list) {
    v.options = [];
    delete v.query;
    delete v.current;
  }
  for (const p of copy.panels) if (p.title === 'GPU utilisation') p.targets = [];
  // the cost dashboard: the budget line (present with a budget) and the currency in titles
  for (const p of copy.panels) if (p.title.startsWith('Month projected')) p.targets = p.targets.filter((t) => t.legendFormat !== 'budget');
  for (const p of copy.panels) p.title = p.title.replace(/\([A-Z]{3}\)/, '(currency)');
  return copy;
}

const boards = Object.fromEntries(PRESETS.map((p) => [p, dashboardsOf(p)]));
// The snapshot: prod's dashboards (MIG and whole-GPU pools, pgvector), and staging's Qdrant RAG board.
const SNAPSHOTTED: Array<[file: string, preset: (typeof PRESETS)[number], dashboard: string]> = [
  ['cost.json', 'prod', 'cost.json'],
  ['gateway.json', 'prod', 'gateway.json'],
  ['gpus.json', 'prod', 'gpus.json'],
  ['model-serving.json', 'prod', 'model-serving.json'],
  ['rag-pgvector.json', 'prod', 'rag.json'],
  ['rag-qdrant.json', 'staging', 'rag.json'],
];

describe('Grafana dashboards', () => {
  it.each(SNAPSHOTTED)('%s matches its snapshot', async (file, preset, dashboard) => {
    const d = boards[preset]![dashboard]!;
    expect(d.uid).toMatch(/^inference-/);
    await expect(`${JSON.stringify(d, null, 2)}\n`).toMatchFileSnapshot(join(__dirname, '__snapshots__', file));
  });

  it.each(PRESETS)('%s: ships the snapshotted dashboards, changed only in the options of their variables and the GPU utilisation queries', (preset) => {
    const env = namedEnv(preset);
    const own = boards[preset]!;
    const store = env.vectorStore?.type;
    expect(Object.keys(own).sort()).toEqual(['cost.json', 'gateway.json', 'gpus.json', 'model-serving.json', ...(store ? ['rag.json'] : [])]);
    for (const [file, d] of Object.entries(own)) {
      const snapshotted = file === 'rag.json' ? SNAPSHOTTED.find(([f]) => f === `rag-${store}.json`)! : SNAPSHOTTED.find(([f]) => f === file)!;
      expect(shape(d), `${preset} ${file} vs ${snapshotted[0]}`).toEqual(shape(boards[snapshotted[1]]![snapshotted[2]]!));
    }
  });

  it.each(PRESETS)('%s: the model variable lists its vLLM models, the pool variable its pools by node', (preset) => {
    const env = namedEnv(preset);
    const own = boards[preset]!;
    expect(dashboardVariables(own['model-serving.json'] as never)).toEqual({ model: env.models.filter((m) => m.engine === 'vllm').map((m) => m.name) });
    const pools = own['gpus.json']!.templating.list.find((v) => v.name === 'pool')!.options;
    expect(pools.map((o) => o.text)).toEqual(env.gpuPools.map((p) => p.name));
    for (const [i, p] of env.gpuPools.entries()) for (const node of p.nodes) expect(new RegExp(`^(?:${pools[i]!.value})$`).test(node), `${p.name} ${node}`).toBe(true);
  });

  it.each(PRESETS)('%s: GPU utilisation reads whole GPUs and MIG slices each on their own nodes', (preset) => {
    const env = namedEnv(preset);
    const targets = boards[preset]!['gpus.json']!.panels.find((p) => p.title === 'GPU utilisation')!.targets;
    const mig = env.gpuPools.some((p) => p.sharing.mode === 'mig');
    const whole = env.gpuPools.some((p) => p.sharing.mode !== 'mig');
    expect(targets.map((t) => /DCGM_FI_PROF_GR_ENGINE_ACTIVE/.test(t.expr))).toEqual([...(whole ? [false] : []), ...(mig ? [true] : [])]);
  });
});
