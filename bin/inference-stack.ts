/**
 * `npx inference-stack <command>`: the one CLI a team runs from its own repository (paths relative to where it runs).
 *   synth [--env X ...] [--out dir]    Terraform JSON per stack (bin/commands/synth.ts)
 *   check [--env X ...] [--json]       the policy check (bin/commands/check.ts)
 *   snapshot [--update|--check]        reviewable YAML snapshots, drift as a diff (bin/commands/snapshot.ts)
 *   init [dir]                         scaffold a team repository (bin/commands/init.ts)
 *   capacity --env X [--json]        will the models fit, how many full-length sequences at once
 *   cost --env X [--json]            GPUs held and money a month per server and pool, idle GPUs, price per million tokens (estimate)
 *   diagram --env X [--out dir]      architecture as SVG and Mermaid
 *   diff A B [--json]                effective config and resources that differ
 *   images --env X [--json]          images and charts to mirror
 *   secrets --env X [--json]         the Secrets to make before a deploy, with the commands
 *   doctor [--env X]                 tools, kubeconfig context and (cluster reachable) the Secrets a deploy needs
 *   deploy|destroy --env X [--stack L] [--out dir] [--force]  synth into <out>, then terraform init + apply/destroy per
 *                                    stack in dependency order (deploy checks the Secrets first)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EnvironmentError, formatProblem, loadEnvironment } from '../environments/load';
import type { ResolvedEnvironment } from '../environments/resolve';
import type { Environment } from '../environments/schema';
import type { TfJson } from '../lib/tf-json';
import { capacityReport, formatCapacity } from './commands/capacity';
import { costChange, environmentCost, formatCost, formatCostChange } from './commands/cost';
import { StackSelectionError, deployPlan, runPlan, selectStacks, terraformCommand } from './commands/deploy';
import { architecture } from './commands/diagram';
import { diagramFiles } from './commands/diagram-files';
import { diffStacks, diffValues, formatDiff } from './commands/diff';
import { doctor, formatDoctor, gpuNodeWrites, prerequisites } from './commands/doctor';
import { formatImages, imageList } from './commands/images';
import { checkCommand } from './commands/check';
import { initCommand } from './commands/init';
import { checkSecrets, formatMissingSecrets, formatSecrets, secretList } from './commands/secrets';
import { snapshotCommand } from './commands/snapshot';
import { synthCommand } from './commands/synth';
import { checkOutDir, resolveEnvironmentArg, synthEnvironments, synthScratch, userPath } from './lib/synth-environments';

const USAGE = `usage: inference-stack <command> [options]    (paths are relative to where you run it)
  init [dir] [--preset P] [--name N] scaffold a team repository: environment extending a preset, .gitignore, CI
  synth [--env X ...] [--out dir]   Terraform JSON per stack into <out>/stacks (default out: cdktf.out)
  check [--env X ...] [--json]      validate and check the policy; exit 1 on a violation
  snapshot [--env X ...] [--out dir] [--update|--check] [--json]
                                    reviewable YAML per stack in snapshots/; --check: exit 1 with a diff on drift
  capacity --env X [--json]         per model: GPU, TP/PP, weights per GPU, KV-cache tokens, sequences at once; per pool: GPUs used/free
  cost --env X [--json]             per server and pool: GPUs held, GPU-hours and money a month (fewest-most replicas), idle GPUs,
                                    margin; price per million tokens (estimate) beside the hosted models' declared prices
  diagram --env X [--out dir|--json] architecture picture: <out>/<env>.svg and <env>.mmd (default out: cdktf.out/diagrams)
  diff A B [--json]                 what differs between two environments (config, resources per stack, cost a month)
  images --env X [--json]           every image, Helm chart and Terraform provider the environment pulls, for mirroring
  secrets --env X [--json]          every Secret the environment reads; the kubectl line for each one to make
  doctor [--env X]                  terraform, kubectl, helm, the kubeconfig context, the Secrets; exit code tells
  deploy --env X [-- terraform apply flags]
                                    synth into <out> (default cdktf.out), then per stack in dependency order
                                    terraform -chdir=<out>/stacks/<stack> init, apply; first checks the Secrets
                                    exist (on a fresh cluster: applies the namespaces stack, then names what to make)
    --skip-secret-check             deploy without asking the cluster for the Secrets
    --stack L                       only layer L (e.g. gateway; repeatable); the others must be deployed
    --out dir                       where the stacks are synthesized and Terraform runs
  destroy --env X [--force]         the same with terraform destroy, in reverse order; prod's stateful stacks only
    --stack L, --out dir            with --force
  terraform: $INFERENCE_STACK_TERRAFORM, else terraform on PATH
  options: --debug (stack traces), --help`;

class UsageError extends Error {}

function loadWithFile(arg: string | undefined): { resolved: ResolvedEnvironment; env: Environment; file: string } {
  if (!arg) throw new UsageError('--env is required: an environment name from environments/ or a path to an environment file');
  const file = resolveEnvironmentArg(arg);
  const { resolved } = loadEnvironment(file);
  return { resolved, env: resolved.env, file };
}

function load(arg: string | undefined): ResolvedEnvironment {
  return loadWithFile(arg).resolved;
}

/** Synthesizes an environment (validations on): stack name -> cdk.tf.json, and the stacks in dependency order. */
function synth(resolved: ResolvedEnvironment): { stacks: Record<string, TfJson>; order: string[] } {
  const docs = synthScratch(resolved);
  return { stacks: Object.fromEntries(docs.map((d) => [d.name, d.json])), order: docs.map((d) => d.name) };
}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const [command, ...rest] = argv;
  // Commands with their own options (repeatable --env), each with its own usage.
  const own = { synth: synthCommand, check: checkCommand, snapshot: snapshotCommand, init: initCommand }[command ?? ''];
  if (own) {
    try {
      return own(rest, out, err);
    } catch (e) {
      err(`${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  }
  const sep = rest.indexOf('--');
  const passthrough = sep >= 0 ? rest.slice(sep + 1) : [];
  const usageError = (message: string) => {
    err(`${message}\n${USAGE}\n`);
    return 2;
  };
  if (command === '--help' || command === '-h') {
    out(`${USAGE}\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: sep >= 0 ? rest.slice(0, sep) : rest,
      options: { env: { type: 'string', short: 'e' }, stack: { type: 'string', multiple: true }, json: { type: 'boolean' }, out: { type: 'string' }, force: { type: 'boolean' }, 'skip-secret-check': { type: 'boolean' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    // parseArgs' own words (unknown option, --env without a value), then the usage
    return usageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'diff' && positionals.length > 0) return usageError(`unexpected argument${positionals.length > 1 ? 's' : ''} ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  if (values.out !== undefined) {
    const bad = checkOutDir(userPath(values.out));
    if (bad) return usageError(bad);
  }
  const json = (v: unknown) => out(`${JSON.stringify(v, null, 2)}\n`);
  try {
    switch (command) {
      case 'capacity': {
        const report = capacityReport(load(values.env));
        if (values.json) json(report);
        else out(`${formatCapacity(report, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR)}\n`);
        return 0;
      }
      case 'cost': {
        const report = environmentCost(load(values.env));
        if (values.json) json(report);
        else out(`${formatCost(report, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR)}\n`);
        return 0;
      }
      case 'diagram': {
        const resolved = load(values.env);
        if (values.json) {
          json(architecture(resolved));
          return 0;
        }
        const dir = userPath(values.out ?? join('cdktf.out', 'diagrams'));
        const files = await diagramFiles(resolved);
        mkdirSync(dir, { recursive: true });
        for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
        out(`${Object.keys(files).map((f) => join(dir, f)).join('\n')}\n`);
        return 0;
      }
      case 'diff': {
        if (positionals.length !== 2) throw new UsageError('diff takes two environments: diff <name|path> <name|path>');
        const [ra, rb] = positionals.map((p) => loadEnvironment(resolveEnvironmentArg(p)).resolved) as [ResolvedEnvironment, ResolvedEnvironment];
        const [a, b] = [ra.env, rb.env];
        const result = { from: a.name, to: b.name, config: diffValues({ ...a, name: undefined }, { ...b, name: undefined }), stacks: diffStacks(a.name, b.name, synth(ra).stacks, synth(rb).stacks), cost: costChange(environmentCost(ra), environmentCost(rb)) };
        if (values.json) json(result);
        else out(`${formatDiff(result)}\n\n${formatCostChange(result.cost)}\n`);
        return 0;
      }
      case 'images': {
        const resolved = load(values.env);
        const list = imageList(resolved.env.name, synth(resolved).stacks);
        if (values.json) json(list);
        else out(`${formatImages(list)}\n`);
        return 0;
      }
      case 'secrets': {
        const resolved = load(values.env);
        const secrets = secretList(resolved);
        if (values.json) json(secrets);
        else out(`${formatSecrets(resolved.env.name, secrets)}\n`);
        return 0;
      }
      case 'doctor': {
        const resolved = values.env ? load(values.env) : undefined;
        const env = resolved?.env;
        const checks = await doctor(env?.kubernetes.context, env?.kubernetes.configPath, resolved ? { environment: resolved.env.name, secrets: secretList(resolved), prerequisites: prerequisites(resolved.env), gpuNodes: gpuNodeWrites(resolved.env) } : undefined);
        if (values.json) json(checks);
        else out(`${formatDoctor(checks)}\n`);
        return checks.some((c) => c.required && !c.ok) ? 1 : 0;
      }
      case 'deploy':
      case 'destroy': {
        const { resolved, env, file } = loadWithFile(values.env);
        terraformCommand();
        // Synthesized (validated, policy-checked) into the user's folder: Terraform runs there, per stack.
        const outdir = userPath(values.out ?? (process.env.CDKTF_OUTDIR || 'cdktf.out'));
        const synthesized = synthEnvironments([file], outdir);
        for (const w of synthesized.warnings) err(`warning: ${formatProblem(w)}\n`);
        for (const r of synthesized.reports) err(`${r}\n`);
        if (synthesized.problems.length > 0) {
          err(`${synthesized.problems.map(formatProblem).join('\n')}\n${command} stopped before Terraform: the environment did not synthesize\n`);
          return 1;
        }
        const order = synthesized.written[0]!.stacks;
        let chosen: string[];
        try {
          chosen = selectStacks(env.name, order, values.stack);
        } catch (e) {
          if (e instanceof StackSelectionError) return usageError(e.message);
          throw e;
        }
        const here = userPath('.');
        const log = (l: string) => err(`${l}\n`);
        const plan = deployPlan(command, env, outdir, chosen, Boolean(values.force), passthrough);
        if (command === 'deploy' && !values['skip-secret-check']) {
          // Missing Secrets make Helm wait for pods that cannot start, then roll back: look before deploying.
          const cluster = { context: env.kubernetes.context, configPath: env.kubernetes.configPath };
          const secrets = secretList(resolved);
          let check = await checkSecrets(secrets, cluster);
          if (!check.reachable) throw new Error(`cannot check the Secrets of "${env.name}" before deploying: ${check.detail ?? 'no answer'}. Fix kubectl's access to context "${env.kubernetes.context}" (npx inference-stack doctor --env ${env.name}), or deploy with --skip-secret-check.`);
          if (check.missing.length > 0) {
            // A fresh cluster: the namespaces come first, so that the Secrets can be made in them.
            const namespaces = order.filter((s) => s === `${env.name}-namespaces`);
            const code = await runPlan(deployPlan('deploy', env, outdir, namespaces, false, passthrough), here, log);
            if (code !== 0) return code;
            check = await checkSecrets(secrets, cluster);
            if (check.missing.length > 0) {
              err(`${formatMissingSecrets(env.name, check)}\n`);
              return 1;
            }
          }
        }
        return await runPlan(plan, here, log);
      }
      case undefined:
        err(`${USAGE}\n`);
        return 2;
      case 'help':
        out(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof EnvironmentError) {
      err(`${e.problems.map(formatProblem).join('\n')}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      err(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    // One clear paragraph; the stack trace only with --debug.
    err(`${values.debug && e instanceof Error ? e.stack : e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
