/**
 * Synthesizes environments into `<outdir>/stacks/<env>-<layer>/cdk.tf.json`.
 *
 * All or nothing per environment: an environment is built in a staging folder and swapped in only when all of it
 * synthesized; an invalid one leaves its previous output as it was. The manifest cdktf reads (`manifest.json`)
 * keeps the stacks of the environments not synthesized this time.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { sortedJson } from '../../lib/sorted-json';
import { App } from '../../lib/cdktf';
import { ENVIRONMENTS_DIR, EnvironmentError, displayPath, loadEnvironment, type LoadedEnvironment, type Problem } from '../../environments/load';
import type { ResolvedEnvironment } from '../../environments/resolve';
import type { Environment } from '../../environments/schema';
import type { StackDoc } from '../../lib/tf-json';
import { EXCEPTIONS, blocksOutput, checkPolicy, formatReport, guardrailException, type Finding, type PolicyException, type PolicyResult } from '../../policy';
import { routesReachingHosted } from '../../environments/guardrail-checks';
import { addEnvironmentStacks } from '../../stacks/environment-stacks';
import { withoutStackTraces } from './quiet-stack-traces';

/** Which stacks belong to which environment, so that a re-synth removes stacks an environment no longer has. */
const OWNERS_FILE = 'environments.json';

interface Manifest {
  version: string;
  stacks: Record<string, { dependencies: string[] } & Record<string, unknown>>;
}

export interface SynthResult {
  /** Environments written, by name, with their stacks and their policy check. */
  readonly written: ReadonlyArray<{ readonly name: string; readonly file: string; readonly stacks: readonly string[]; readonly policy: PolicyResult }>;
  /** Every problem of every environment that was not written (policy violations outside dev included). */
  readonly problems: readonly Problem[];
  /** Policy reports to show (dev violations are warnings). */
  readonly reports: readonly string[];
  /** What valid environments should fix (alerts that reach no one, deprecated fields); printed, not blocking. */
  readonly warnings: readonly Problem[];
}

/** The environment files of a folder: every `*.yaml`, sorted. */
export function environmentFiles(dir: string = ENVIRONMENTS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => ['.yaml', '.yml'].includes(extname(f)))
    .sort()
    .map((f) => join(dir, f));
}

/** The environments of a command without `--env`: every file of ./environments (a team's repository), else the presets. */
export function defaultEnvironmentFiles(): string[] {
  const own = userPath('environments');
  try {
    if (statSync(own).isDirectory()) return environmentFiles(own);
  } catch {
    // no ./environments: the presets
  }
  return environmentFiles();
}

/**
 * `--env` takes a preset or environment name from environments/, or a path to a file anywhere: relative to the
 * folder the user ran the command in (npm runs scripts from the project root and says where it started in INIT_CWD).
 */
export function resolveEnvironmentArg(arg: string, dir: string = ENVIRONMENTS_DIR): string {
  const named = join(dir, `${arg}.yaml`);
  if (!arg.includes('/') && !arg.includes('\\') && extname(arg) === '' && existsSync(named)) return named;
  return userPath(arg);
}

/**
 * A path the user typed (`--env` file, `--out`, `init`'s folder), absolute: relative to the folder the command was
 * run in, also through `npm run` (which runs scripts from the project root and says where it started in INIT_CWD).
 */
export function userPath(arg: string): string {
  const viaNpm = ['synth', 'check', 'console', 'snapshot'].includes(process.env.npm_lifecycle_event ?? '');
  return resolve(viaNpm && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd(), arg);
}

/** `--out`: a folder, created when missing; an existing file there is a usage error, not a crash in mkdir. */
export function checkOutDir(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return `--out ${dir} exists and is not a directory; name a folder (it is created when missing)`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `--out ${dir}: a part of the path is a file; name a folder (it is created when missing)`;
    if (code !== 'ENOENT') return `--out ${dir}: cannot be used (${code ?? String(e)})`;
  }
  return undefined;
}

/** The environment files of `--env` arguments, each once: `dev`, `dev` and `environments/dev.yaml` are one file. */
export function uniqueEnvironmentFiles(args: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const arg of args) {
    const file = resolveEnvironmentArg(arg);
    let key = file;
    try {
      key = realpathSync(file);
    } catch {
      // a missing file is reported by the loader
    }
    if (!seen.has(key)) {
      seen.add(key);
      out.push(file);
    }
  }
  return out;
}

function readJson<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

/** The synthesized stacks of a folder, for the policy check. */
export function readStacks(outdir: string, names: readonly string[]): StackDoc[] {
  return names.map((name) => ({ name, json: JSON.parse(readFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')) }));
}

/** Builds and synthesizes one environment into a fresh staging folder; returns its stacks. */
export function synthToStaging(resolved: ResolvedEnvironment, staging: string): { stacks: string[]; manifest: Manifest } {
  const app = new App({ outdir: staging, skipValidation: false, stackTraces: false });
  const { all } = withoutStackTraces(() => {
    const stacks = addEnvironmentStacks(app, resolved);
    app.synth();
    return stacks;
  });
  const manifest = readJson<Manifest>(join(staging, 'manifest.json'), { version: '', stacks: {} });
  return { stacks: all.map((s) => s.node.id), manifest };
}

/** Synthesizes an environment in a scratch folder, removed after: its stacks in dependency order, each with its cdk.tf.json. */
export function synthScratch(resolved: ResolvedEnvironment): StackDoc[] {
  const scratch = mkdtempSync(join(tmpdir(), 'inference-stack-'));
  try {
    return readStacks(scratch, synthToStaging(resolved, scratch).stacks);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What `terraform init` leaves in a stack's folder. */
const TERRAFORM_WORKING_FILES = ['.terraform', '.terraform.lock.hcl'];

function swapIn(outdir: string, staging: string, name: string, stacks: readonly string[], owners: Record<string, string[]>): void {
  const stacksDir = join(outdir, 'stacks');
  mkdirSync(stacksDir, { recursive: true });
  const trash = mkdtempSync(join(outdir, '.trash-'));
  for (const old of owners[name] ?? []) {
    const dir = join(stacksDir, old);
    if (existsSync(dir)) renameSync(dir, join(trash, old));
  }
  for (const stack of stacks) {
    const dir = join(stacksDir, stack);
    const fresh = join(staging, 'stacks', stack);
    for (const kept of [join(trash, stack), dir]) {
      // Terraform's working files of the stack (downloaded providers, backend settings, the lock file) stay: a
      // re-synth before each deploy must not make `terraform init` download every provider again.
      for (const f of TERRAFORM_WORKING_FILES) {
        if (existsSync(join(kept, f)) && !existsSync(join(fresh, f))) renameSync(join(kept, f), join(fresh, f));
      }
    }
    if (existsSync(dir)) renameSync(dir, join(trash, `${stack}.other`));
    renameSync(fresh, dir);
  }
  rmSync(trash, { recursive: true, force: true });
}

/** The environment field each layer's stack is made from. */
const LAYER_FIELDS: Record<string, string> = {
  platform: 'gpuOperator',
  'gpu-pools': 'gpuPools',
  models: 'models',
  rag: 'vectorStore',
  gateway: 'gateway',
  edge: 'edge',
  observability: 'observability',
};
/** Rules about one field whatever the stack. */
const RULE_FIELDS: Record<string, string> = { P16: 'backend', P17: 'gpuOperator' };

/**
 * The environment field a policy violation comes from, as a path: the named item (model, embedding, pool) whose
 * name the resource address carries, else the field its layer is made from.
 */
/** The declared exceptions and those the environment states (routes to hosted APIs without a PII guardrail). */
export function policyExceptions(env: Pick<Environment, 'gateway'>): PolicyException[] {
  return [...EXCEPTIONS, ...env.gateway.guardrailExceptions.map((x) => guardrailException(x.name, x.reason))];
}

export function violationField(env: Environment, v: Pick<Finding, 'rule' | 'stack' | 'address'> & { readonly message?: string }): (string | number)[] {
  // A route without a PII guardrail: the hosted model, or the fallback that reaches one.
  const route = v.rule === 'P22' ? /^route "([^"]+)"/.exec(v.message ?? '')?.[1] : undefined;
  const routePath = route !== undefined ? routesReachingHosted(env).get(route) : undefined;
  if (routePath) return routePath;
  const ruleField = RULE_FIELDS[v.rule];
  if (ruleField) return [ruleField];
  const layer = v.stack.startsWith(`${env.name}-`) ? v.stack.slice(env.name.length + 1) : '';
  const named: Array<[string, readonly { name: string }[]]> = [
    ['models', env.models],
    ['embeddings', env.embeddings],
    ['gpuPools', env.gpuPools],
  ];
  let best: (string | number)[] | undefined;
  let bestLength = 0;
  for (const [field, items] of named) {
    if (LAYER_FIELDS[layer] !== field && !(layer === 'models' && field === 'embeddings')) continue;
    items.forEach((item, i) => {
      const at = new RegExp(`(^|[^a-z0-9-])${item.name.replace(/[.]/g, '\\.')}($|[^a-z0-9-])`);
      if (item.name.length > bestLength && at.test(v.address)) {
        best = [field, i];
        bestLength = item.name.length;
      }
    });
  }
  return best ?? [LAYER_FIELDS[layer] ?? ''].filter((f) => f !== '');
}

/**
 * Validates and synthesizes environment files. Valid environments are written even when others fail; the
 * caller exits non-zero when `problems` is not empty.
 */
export function synthEnvironments(files: readonly string[], outdir: string): SynthResult {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const loaded: Array<{ file: string; env: Environment; resolved: ResolvedEnvironment; locate: LoadedEnvironment['locate'] }> = [];
  const byName = new Map<string, string>();
  for (const file of files) {
    try {
      const { env, resolved, warnings: found, locate } = loadEnvironment(file);
      warnings.push(...found);
      const other = byName.get(env.name);
      if (other) {
        problems.push({ file: displayPath(file), path: 'name', message: `"${env.name}" is also the name of ${displayPath(other)}; give each environment its own name` });
        continue;
      }
      byName.set(env.name, file);
      loaded.push({ file, env, resolved, locate });
    } catch (err) {
      if (err instanceof EnvironmentError) problems.push(...err.problems);
      else throw err;
    }
  }

  mkdirSync(outdir, { recursive: true });
  const ownersFile = join(outdir, OWNERS_FILE);
  const manifestFile = join(outdir, 'manifest.json');
  const owners = readJson<Record<string, string[]>>(ownersFile, {});
  const manifest = readJson<Manifest>(manifestFile, { version: '', stacks: {} });
  const written: Array<{ name: string; file: string; stacks: string[]; policy: PolicyResult }> = [];
  const reports: string[] = [];

  for (const { file, env, resolved, locate } of loaded) {
    const staging = mkdtempSync(join(outdir, '.staging-'));
    try {
      const result = synthToStaging(resolved, staging);
      // The policy check: blocking in staging and prod, a warning in dev (but a literal secret blocks everywhere).
      const policy = checkPolicy(readStacks(staging, result.stacks), env.stage, policyExceptions(env));
      if (policy.violations.length > 0) {
        reports.push(formatReport(env.name, policy));
        if (policy.violations.some((v) => blocksOutput(v, env.stage))) {
          problems.push(
            ...policy.violations.map((v) => {
              // Located at the field that made the resource, in the file of the chain that wrote it.
              const field = violationField(env, v);
              const at = field.length > 0 ? locate(field) : { file: displayPath(file), path: '' };
              return { ...at, message: `policy ${v.rule}: ${v.stack} ${v.address}: ${v.message}; fix: ${v.fix}` };
            }),
          );
          continue;
        }
      }
      swapIn(outdir, staging, env.name, result.stacks, owners);
      for (const old of owners[env.name] ?? []) delete manifest.stacks[old];
      Object.assign(manifest.stacks, result.manifest.stacks);
      manifest.version = result.manifest.version;
      owners[env.name] = result.stacks;
      written.push({ name: env.name, file, stacks: result.stacks, policy });
    } catch (err) {
      problems.push({ file: displayPath(file), path: '', message: `synthesis failed: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  if (written.length > 0) {
    writeFileSync(manifestFile, sortedJson(manifest));
    writeFileSync(ownersFile, sortedJson(owners));
  }
  return { written, problems, reports, warnings };
}
