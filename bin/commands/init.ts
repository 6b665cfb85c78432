/**
 * `inference-stack init [dir] [--preset dev|staging|prod] [--name N]`: scaffolds a team's repository: an environment
 * file extending a preset, a .gitignore, a README stub, a package.json depending on inference-stack and a CI
 * workflow that runs `check` and `snapshot --check`. Never overwrites: when any of its files exists it writes
 * nothing and names them; an existing package.json (`npm install inference-stack` made it) only gains the scripts it lacks.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { commandArgs } from '../lib/command-args';
import { projectPath } from '../../lib/project-root';
import { environmentFiles, userPath } from '../lib/synth-environments';
import type { Print } from './synth';

export const INIT_USAGE = `usage: inference-stack init [dir] [--preset <dev|staging|prod>] [--name <environment name>]
  dir       the repository folder, relative to where you run it; default: .
  --preset  the preset the environment extends; default: dev
  --name    the environment's name (a DNS label, at most 30 characters; stacks are <name>-<layer>); default: <folder>-<preset>`;

const PRESETS = () => environmentFiles().map((f) => basename(f).replace(/\.ya?ml$/, ''));

/** A DNS label from a folder name, at most 30 characters with the preset. */
export function defaultName(dir: string, preset: string): string {
  const base = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 29 - preset.length).replace(/-+$/, '');
  return `${base || 'team'}-${preset}`;
}

/** The files of a new team repository, path -> text. */
export function scaffold(name: string, preset: string): Record<string, string> {
  const version = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;
  const envFile = `environments/${name}.yaml`;
  return {
    [envFile]: `# yaml-language-server: $schema=../node_modules/inference-stack/environments/schema.json
# ${name}: the ${preset} preset of inference-stack, with what this team changes. A file that extends another sets
# only what it changes (README "Environment files": maps merge by key, named lists by name).
name: ${name}
extends: ${preset}
# kubernetes: { context: my-cluster }   # the kubeconfig context to deploy to
# gpuPools:
#   - name: <a pool of the preset>
#     nodes: [my-gpu-node-01]
`,
    '.gitignore': `node_modules/
cdktf.out/
.terraform/
*.tfstate
*.tfstate.*
*.tfplan
`,
    'package.json': `${JSON.stringify(
      {
        name: `${name}-inference`,
        private: true,
        scripts: { check: 'inference-stack check', snapshot: 'inference-stack snapshot', synth: 'inference-stack synth', capacity: `inference-stack capacity --env ${envFile}` },
        dependencies: { 'inference-stack': `^${version}` },
      },
      null,
      2,
    )}\n`,
    'README.md': `# ${name}: our inference cluster

The environment is \`${envFile}\` (it extends inference-stack's \`${preset}\` preset). Commands run from this folder:

- \`npx inference-stack check\`: validate every file of environments/ and check the policy
- \`npx inference-stack snapshot\`: write the reviewable YAML of every stack to snapshots/ (commit it);
  CI runs \`snapshot --check\`, which fails with a diff when the output drifted from what was reviewed
- \`npx inference-stack capacity --env ${envFile}\`: will the models fit
- \`npx inference-stack secrets --env ${envFile}\`: the Secrets to make before the first deploy
- \`npx inference-stack deploy --env ${envFile}\`: synthesize into cdktf.out/, then terraform init and apply per stack in dependency order (needs Terraform 1.10+)
`,
    '.github/workflows/inference-stack.yml': `# Checks the environments and that the committed snapshots match what they synthesize.
name: inference-stack
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 20.19 }
      - run: npm ci
      - run: npx inference-stack check
      - run: npx inference-stack snapshot --check
`,
  };
}

export function initCommand(argv: readonly string[], out: Print, err: Print): number {
  const args = commandArgs(argv, { preset: { type: 'string' }, name: { type: 'string' } }, INIT_USAGE, out, err, true);
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  if (positionals.length > 1) {
    err(`init takes one folder, not ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(' ')}\n${INIT_USAGE}\n`);
    return 2;
  }
  const preset = values.preset ?? 'dev';
  if (!PRESETS().includes(preset)) {
    err(`--preset ${preset}: not a preset; use one of ${PRESETS().join(', ')}\n${INIT_USAGE}\n`);
    return 2;
  }
  const dir = userPath(positionals[0] ?? '.');
  const name = values.name ?? defaultName(dir, preset);
  if (!/^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$/.test(name)) {
    err(`--name ${JSON.stringify(name)}: an environment name is a DNS label of at most 30 characters (a-z, 0-9, -), e.g. acme-${preset}\n${INIT_USAGE}\n`);
    return 2;
  }
  const files = scaffold(name, preset);
  const shown = (f: string) => join(relative(process.cwd(), dir) || '.', f);
  // `npm install inference-stack` (the usual first step) already made package.json: merge into it instead.
  let merged: { text: string; added: string[] } | undefined;
  if (existsSync(join(dir, 'package.json'))) {
    try {
      merged = mergePackageJson(readFileSync(join(dir, 'package.json'), 'utf8'), files['package.json']!);
    } catch (e) {
      err(`init writes nothing: ${shown('package.json')} is not valid JSON (${e instanceof Error ? e.message : String(e)}); fix it or move it away\n`);
      return 1;
    }
  }
  const existing = Object.keys(files).filter((f) => f !== 'package.json' && existsSync(join(dir, f)));
  if (existing.length > 0) {
    err(`init writes nothing: ${existing.map(shown).join(', ')} already exist${existing.length === 1 ? 's' : ''}; move ${existing.length === 1 ? 'it' : 'them'} away or init another folder\n`);
    return 1;
  }
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    if (f === 'package.json' && merged) writeFileSync(join(dir, f), merged.text);
    else writeFileSync(join(dir, f), text, { flag: 'wx' });
  }
  const listed = Object.keys(files).map((f) => (f === 'package.json' && merged ? `${shown(f)} (${merged.added.length > 0 ? `added scripts: ${merged.added.join(', ')}` : 'kept as it was'})` : shown(f)));
  out(`${listed.join('\n')}\nnext: npm install, then npx inference-stack check and npx inference-stack snapshot (commit snapshots/)\n`);
  return 0;
}

/**
 * An existing package.json with the scaffold's scripts it lacks (never one it has) and, when it does not depend on
 * inference-stack yet, the dependency. Throws on invalid JSON.
 */
export function mergePackageJson(existing: string, scaffolded: string): { text: string; added: string[] } {
  const pkg = JSON.parse(existing) as { scripts?: Record<string, string>; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) throw new Error('not an object');
  const ours = JSON.parse(scaffolded) as { scripts: Record<string, string>; dependencies: Record<string, string> };
  const scripts = { ...pkg.scripts };
  const added = Object.keys(ours.scripts).filter((k) => !(k in scripts));
  for (const k of added) scripts[k] = ours.scripts[k]!;
  const depends = Boolean(pkg.dependencies?.['inference-stack'] ?? pkg.devDependencies?.['inference-stack']);
  const result = { ...pkg, scripts, ...(depends ? {} : { dependencies: { ...pkg.dependencies, ...ours.dependencies } }) };
  return { text: `${JSON.stringify(result, null, 2)}\n`, added };
}
