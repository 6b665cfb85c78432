/**
 * `npm run bench`: synthesis time and peak memory, as a table: median, min and max of several runs for each
 * preset, all presets, a generated large environment (200 models over 20 pools, RAG, gateway, edge), the floor
 * (bench/floor.cjs) and the `npx cdktf synth` path; then the ratios toolkit/floor and large/preset.
 *   npm run bench [-- --runs 5] [-- --readme]   (--readme writes the figures into README.md)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { largeEnvironment } from './large-environment';

const ROOT = join(__dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, readme: { type: 'boolean' } } });
const RUNS = Number(values.runs);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Measure {
  readonly name: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly peakMB?: number;
}

/** Runs a command RUNS times; wall seconds from around the child, peak RSS from GNU time where present. */
function measure(name: string, cmd: string, args: string[], env: Record<string, string> = {}): Measure {
  const times: number[] = [];
  let peak = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const r = TIME
      ? spawnSync(TIME, ['-f', '%M', cmd, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' })
      : spawnSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`${name} failed (exit ${r.status}): ${r.stderr}`);
    times.push(seconds);
    if (TIME) peak = Math.max(peak, Number(/(\d+)\s*$/.exec(r.stderr.trim())?.[1] ?? 0));
  }
  times.sort((a, b) => a - b);
  return { name, median: times[Math.floor(times.length / 2)]!, min: times[0]!, max: times.at(-1)!, peakMB: TIME ? Math.round(peak / 1024) : undefined };
}

function main(): void {
  const scratch = mkdtempSync(join(tmpdir(), 'inference-stack-bench-'));
  try {
    const large = join(scratch, 'large.yaml');
    writeFileSync(large, largeEnvironment());
    const out = (n: string) => join(scratch, n);
    // Build the bundle once, outside the measurements (as npm ci leaves it).
    execFileSync('node', ['bin/run.cjs', 'synth', '--help'], { cwd: ROOT });
    const synth = (n: string, ...envs: string[]) => ['bin/run.cjs', 'synth', ...envs.flatMap((e) => ['--env', e]), '--out', out(n)];
    const results: Measure[] = [];
    for (const p of ['dev', 'staging', 'prod']) results.push(measure(`synth ${p}`, 'node', synth(p, p)));
    results.push(measure('synth all presets', 'node', synth('presets', 'dev', 'staging', 'prod')));
    results.push(measure('synth large (200 models, 20 pools)', 'node', synth('large', large)));
    results.push(measure('floor, all presets', 'node', ['bench/floor.cjs', out('presets'), out('floor-presets')]));
    results.push(measure('floor, large', 'node', ['bench/floor.cjs', out('large'), out('floor-large')]));
    results.push(measure('npx cdktf synth (all presets)', 'npx', ['cdktf', 'synth', '--output', out('cdktf')], { CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1' }));

    const by = (n: string) => results.find((r) => r.name === n)!;
    const rows = results.map((r) => `| ${r.name} | ${r.median.toFixed(2)} | ${r.min.toFixed(2)} | ${r.max.toFixed(2)} | ${r.peakMB ?? 'n/a'} |`);
    const ratios = [
      `toolkit/floor, all presets: ${(by('synth all presets').median / by('floor, all presets').median).toFixed(2)}x`,
      `toolkit/floor, large: ${(by('synth large (200 models, 20 pools)').median / by('floor, large').median).toFixed(2)}x`,
      `large/prod preset: ${(by('synth large (200 models, 20 pools)').median / by('synth prod').median).toFixed(2)}x`,
    ];
    const table = [
      `${RUNS} runs each on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; seconds (wall), peak RSS in MB`,
      '',
      '| case | median | min | max | peak MB |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      '',
      ...ratios.map((r) => `- ${r}`),
    ].join('\n');
    process.stdout.write(`${table}\n`);
    if (values.readme) {
      const readme = join(ROOT, 'README.md');
      const text = readFileSync(readme, 'utf8');
      const updated = text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${table}\n<!-- bench:end -->`);
      if (updated === text && !text.includes('<!-- bench:start -->')) throw new Error('README.md has no <!-- bench:start --> ... <!-- bench:end --> markers');
      writeFileSync(readme, updated);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
