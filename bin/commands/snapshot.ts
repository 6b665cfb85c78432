/**
 * `inference-stack snapshot [--env <name|path> ...] [--out dir] [--update|--check] [--json]`: reviewable YAML snapshots
 * of every stack (bin/lib/snapshot.ts) in a folder of the team's repository (default `snapshots/`). `--update` (the
 * default) writes them; `--check` compares and exits 1 with a unified diff of what drifted, 0 when equal.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { commandArgs } from '../lib/command-args';
import { EnvironmentError, displayPath, formatProblem, loadEnvironment } from '../../environments/load';
import { snapshotFile, snapshotText, unifiedDiff } from '../lib/snapshot';
import { checkOutDir, defaultEnvironmentFiles, synthScratch, uniqueEnvironmentFiles, userPath } from '../lib/synth-environments';
import type { Print } from './synth';

export const SNAPSHOT_USAGE = `usage: inference-stack snapshot [--env <name|path> ...] [--out <dir>] [--update|--check] [--json]
  --env     an environment name or file (repeatable); default: every file of ./environments, else the presets
  --out     the snapshot folder, relative to where you run it; default: snapshots
  --update  write the snapshots (the default)
  --check   compare with the synthesized output: exit 1 with a diff of what drifted, 0 when equal
  --json    per stack: same, changed, missing or stale, with the diff`;

export interface StackSnapshot {
  readonly stack: string;
  readonly file: string;
  readonly status: 'same' | 'changed' | 'missing' | 'stale' | 'written';
  readonly diff?: string;
}

/** The layers an environment's stacks are named by (`<env>-<layer>`). */
const LAYERS = ['namespaces', 'platform', 'gpu-pools', 'models', 'rag', 'gateway', 'edge', 'observability'];
/** Snapshot files of an environment's stacks: `<env>-<layer>.tf.yaml` (not another environment's `<env>-2-models`). */
const ownFiles = (dir: string, env: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => LAYERS.some((l) => f === `${env}-${l}.tf.yaml`)) : []);

export function snapshotCommand(argv: readonly string[], out: Print, err: Print): number {
  const args = commandArgs(argv, { env: { type: 'string', multiple: true, short: 'e' }, out: { type: 'string', short: 'o' }, update: { type: 'boolean' }, check: { type: 'boolean' }, json: { type: 'boolean' } }, SNAPSHOT_USAGE, out, err);
  if (typeof args === 'number') return args;
  const { values } = args;
  if (values.update && values.check) {
    err(`--update and --check exclude each other: --update writes the snapshots, --check compares\n${SNAPSHOT_USAGE}\n`);
    return 2;
  }
  const dir = userPath(values.out ?? 'snapshots');
  const bad = checkOutDir(dir);
  if (bad) {
    err(`${bad}\n${SNAPSHOT_USAGE}\n`);
    return 2;
  }
  const files = values.env ? uniqueEnvironmentFiles(values.env) : defaultEnvironmentFiles();
  const shown = relative(process.cwd(), dir) || '.';
  const results: StackSnapshot[] = [];
  let failed = false;
  for (const file of files) {
    let resolved;
    try {
      ({ resolved } = loadEnvironment(file));
    } catch (e) {
      if (!(e instanceof EnvironmentError)) throw e;
      err(`${e.problems.map(formatProblem).join('\n')}\n`);
      failed = true;
      continue;
    }
    let docs;
    try {
      docs = synthScratch(resolved);
    } catch (e) {
      err(`${formatProblem({ file: displayPath(file), path: '', message: `synthesis failed: ${e instanceof Error ? e.message : String(e)}` })}\n`);
      failed = true;
      continue;
    }
    const names = new Set(docs.map((d) => snapshotFile(d.name)));
    const stale = ownFiles(dir, resolved.env.name).filter((f) => !names.has(f));
    for (const doc of docs) {
      const name = snapshotFile(doc.name);
      const path = join(dir, name);
      const text = snapshotText(JSON.stringify(doc.json));
      const old = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      if (!values.check) {
        if (old !== text) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(path, text);
        }
        results.push({ stack: doc.name, file: join(shown, name), status: old === text ? 'same' : 'written' });
      } else if (old === undefined) {
        results.push({ stack: doc.name, file: join(shown, name), status: 'missing' });
      } else if (old !== text) {
        results.push({ stack: doc.name, file: join(shown, name), status: 'changed', diff: unifiedDiff(old, text, `${join(shown, name)} (snapshot)`, `${doc.name} (synthesized)`) });
      } else {
        results.push({ stack: doc.name, file: join(shown, name), status: 'same' });
      }
    }
    for (const f of stale) {
      if (values.check) results.push({ stack: f.replace(/\.tf\.yaml$/, ''), file: join(shown, f), status: 'stale' });
      else rmSync(join(dir, f));
    }
  }
  const drifted = results.filter((r) => r.status === 'changed' || r.status === 'missing' || r.status === 'stale');
  if (values.json) out(`${JSON.stringify(results, null, 2)}\n`);
  else if (values.check) {
    for (const r of drifted) {
      if (r.diff) out(r.diff);
      else if (r.status === 'missing') out(`${r.file}: missing; the environment has stack ${r.stack}\n`);
      else out(`${r.file}: stale; the environment no longer has stack ${r.stack}\n`);
    }
  } else {
    const written = results.filter((r) => r.status === 'written');
    out(`${written.length} snapshot${written.length === 1 ? '' : 's'} written, ${results.length - written.length} unchanged, in ${shown}\n`);
  }
  if (values.check && drifted.length > 0) {
    err(`${drifted.length} snapshot${drifted.length === 1 ? '' : 's'} drifted from the synthesized output; review the diff, then run inference-stack snapshot --update and commit\n`);
    return 1;
  }
  return failed ? 1 : 0;
}
