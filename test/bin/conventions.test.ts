/**
 * CLI conventions (issue 16 item 6): `--json` on diagram, the diagram's autoscaled ranges and MIG profiles, and
 * `images` naming the Terraform providers an air-gapped mirror needs.
 */
import { describe, expect, it } from 'vitest';
import { formatDiff } from '../../bin/commands/diff';
import { main } from '../../bin/inference-stack';
import { presetEnv, stacksOf } from '../support/synth';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('diagram', () => {
  it('--json prints the architecture (nodes, edges, groups) and writes nothing', async () => {
    const r = await run('diagram', '--env', 'prod', '--json');
    expect(r).toMatchObject({ code: 0, err: '' });
    const a = JSON.parse(r.out) as { nodes: Array<{ id: string; label: string }>; edges: Array<{ from: string; to: string }> };
    const prod = presetEnv('prod');
    for (const m of prod.models) expect(a.nodes.map((n) => n.id)).toContain(`model_${m.name.replace(/[^A-Za-z0-9]/g, '_')}`);
    expect(a.edges.length).toBeGreaterThan(prod.models.length);
  });

  it('shows autoscaled models as a range and MIG pools with their profile', async () => {
    const prod = presetEnv('prod');
    const { nodes } = JSON.parse((await run('diagram', '--env', 'prod', '--json')).out) as { nodes: Array<{ id: string; label: string }> };
    const label = (id: string) => nodes.find((n) => n.id === id)?.label ?? '';
    const scaled = prod.models.filter((m) => m.autoscaling);
    expect(scaled.length).toBeGreaterThan(0);
    for (const m of scaled) expect(label(`model_${m.name.replace(/[^A-Za-z0-9]/g, '_')}`)).toContain(`x${m.autoscaling!.min}-${m.autoscaling!.max}`);
    const mig = prod.gpuPools.filter((p) => p.sharing.mode === 'mig');
    expect(mig.length).toBeGreaterThan(0);
    for (const p of mig) expect(label(`pool_${p.name.replace(/[^A-Za-z0-9]/g, '_')}`)).toContain(`MIG ${(p.sharing as { profile: string }).profile}`);
  });
});

describe('diagram: tracing and logs', () => {
  it('shows the tracing backend the gateway sends to, and the log shipper with its SIEM, where the environment has them', async () => {
    const json = async (env: string) => JSON.parse((await run('diagram', '--env', env, '--json')).out) as { nodes: Array<{ id: string; label: string; group: string }>; edges: Array<{ from: string; to: string; label?: string }> };
    const prod = await json('prod');
    const node = (a: typeof prod, id: string) => a.nodes.find((n) => n.id === id);
    expect(node(prod, 'tracing')?.label).toBe('Langfuse (langfuse.example.com)');
    expect(prod.edges).toContainEqual({ from: 'gateway', to: 'tracing', label: 'traces' });
    expect(node(prod, 'log_shipper')).toMatchObject({ label: 'Fluent Bit (every node)', group: 'logging' });
    expect(node(prod, 'siem')?.label).toBe('SIEM: splunk (splunk-hec.example.com:8088)');
    expect(prod.edges).toContainEqual({ from: 'log_shipper', to: 'siem', label: 'JSON logs' });
    expect(prod.edges).toContainEqual({ from: 'gateway', to: 'log_shipper', label: 'pod logs (all)' });
    // staging traces but ships no logs; dev does neither
    const staging = await json('staging');
    expect(node(staging, 'tracing')).toBeDefined();
    expect(node(staging, 'log_shipper')).toBeUndefined();
    const dev = await json('dev');
    expect(dev.nodes.map((n) => n.id).filter((i) => ['tracing', 'log_shipper', 'siem'].includes(i))).toEqual([]);
  });
});

describe('images', () => {
  it('lists the Terraform providers with the versions the stacks pin', async () => {
    const r = await run('images', '--env', 'prod', '--json');
    expect(r.code).toBe(0);
    const { providers } = JSON.parse(r.out) as { providers: Array<{ name: string; source: string; version: string }> };
    const pinned = Object.values(stacksOf('prod')).flatMap((tf) => Object.entries(tf.terraform.required_providers).map(([name, p]) => ({ name, source: (p as { source?: string; version: string }).source, version: p.version })));
    expect(providers.map((p) => p.name)).toEqual(['helm', 'kubernetes']);
    for (const p of providers) expect(pinned).toContainEqual(p);
    const text = await run('images', '--env', 'prod');
    for (const p of providers) expect(text.out).toContain(`  ${p.source} ${p.version}`);
  });
});

describe('diff', () => {
  it('shows the part of a long value that changed, not only its start', () => {
    const from = `${'a: 1\n'.repeat(60)}threshold: 0.5\n${'b: 2\n'.repeat(60)}`;
    const to = from.replace('threshold: 0.5', 'threshold: 0.9');
    const text = formatDiff({ from: 'x', to: 'y', config: [{ path: 'values', from, to }], stacks: [] });
    const line = text.split('\n').find((l) => l.startsWith('  values: '))!;
    expect(line).toContain('threshold: 0.5');
    expect(line).toContain('threshold: 0.9');
    expect(line.length).toBeLessThan(300);
  });
});
