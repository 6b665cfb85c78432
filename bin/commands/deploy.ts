/**
 * `inference-stack deploy|destroy --env X [--stack layer ...]`: runs `cdktf deploy`/`destroy` on the environment's
 * stacks (or the named layers) in dependency order (destroy in reverse), through execa. Refuses to destroy prod's stateful stacks without --force.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { projectPath, projectRoot } from '../../lib/project-root';
import { exec } from '../lib/exec';

/** Stacks that hold data: destroying them in prod deletes it (the namespaces stack holds the data's namespaces). */
export const STATEFUL_LAYERS = ['rag', 'gateway', 'namespaces'] as const;

export interface DeployPlan {
  readonly command: 'deploy' | 'destroy';
  /** Stack names in the order they run. */
  readonly stacks: readonly string[];
  readonly argv: readonly string[];
}

/**
 * The cdktf invocation for an environment's stacks (already in dependency order). cdktf synthesizes again before
 * it deploys: `--app` makes it synthesize this environment file, wherever it lives.
 */
export function deployPlan(command: 'deploy' | 'destroy', env: { name: string; stage: string }, file: string, stacksInOrder: readonly string[], force: boolean, extra: readonly string[] = [], allStacks: readonly string[] = stacksInOrder): DeployPlan {
  const stacks = command === 'deploy' ? [...stacksInOrder] : [...stacksInOrder].reverse();
  // cdktf refuses a stack whose dependencies are not in the same command ("...--ignore-missing-stack-dependencies
  // flag"): a subset runs against the deployed state of the others.
  const subset = allStacks.some((s) => !stacksInOrder.includes(s)) ? ['--ignore-missing-stack-dependencies'] : [];
  if (command === 'destroy' && env.stage === 'prod' && !force) {
    const stateful = stacks.filter((s) => STATEFUL_LAYERS.some((l) => s === `${env.name}-${l}`));
    if (stateful.length > 0) {
      const names = stateful.length > 1 ? `${stateful.slice(0, -1).join(', ')} and ${stateful.at(-1)!}` : stateful[0]!;
      throw new Error(`refusing to destroy ${names} of prod environment "${env.name}": they hold the vector store and the gateway's keys and spend, and the namespaces their volumes live in (prevent_destroy stops Terraform there anyway). Back them up, then run destroy --force to go ahead.`);
    }
  }
  const app = `node ${JSON.stringify(projectPath('bin', 'run.cjs'))} synth --env ${JSON.stringify(file)}`;
  return { command, stacks, argv: ['cdktf', command, ...stacks, '--app', app, ...subset, ...extra] };
}

/**
 * The cdktf command: $INFERENCE_STACK_CDKTF, else `cdktf` in node_modules/.bin of the folder the user runs in, of
 * this package or of the project that installed it, else on PATH. Never `npx cdktf`: npx would try to download it.
 */
export function findCdktf(cwd: string = process.cwd(), path: string = process.env.PATH ?? ''): string | undefined {
  if (process.env.INFERENCE_STACK_CDKTF) return process.env.INFERENCE_STACK_CDKTF;
  const exe = process.platform === 'win32' ? 'cdktf.cmd' : 'cdktf';
  const candidates = [join(cwd, 'node_modules', '.bin', exe), projectPath('node_modules', '.bin', exe), join(projectRoot(), '..', '.bin', exe), ...path.split(delimiter).filter((d) => d !== '').map((d) => join(d, exe))];
  return candidates.find((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why a deploy cannot run without cdktf, and the fix: one paragraph. */
export const NO_CDKTF = 'cannot deploy: the cdktf command was not found (looked in ./node_modules/.bin, in inference-stack\'s own node_modules/.bin and on PATH). deploy and destroy run `cdktf deploy`/`cdktf destroy`, which drives Terraform (1.10+, on PATH): install both in the repository you run from (npm install --save-dev cdktf-cli@0.21.0, and Terraform from developer.hashicorp.com/terraform/install), or point INFERENCE_STACK_CDKTF at a cdktf binary. synth, check and snapshot need neither.';

/** Runs the plan, streaming cdktf's own progress. */
export async function runPlan(plan: DeployPlan, log: (line: string) => void): Promise<number> {
  const cmd = findCdktf();
  if (!cmd) throw new Error(NO_CDKTF);
  log(`${plan.command}: ${plan.stacks.length} stacks in order: ${plan.stacks.join(' -> ')}`);
  // cdktf reads cdktf.json and writes cdktf.out in the project root, whatever folder this runs from
  const r = await exec(cmd, plan.argv.slice(1), { cwd: projectRoot(), stdio: 'inherit', reject: false, env: { CHECKPOINT_DISABLE: '1' } });
  if (r.exitCode === undefined) {
    throw new Error(`could not run ${cmd}: ${r.shortMessage ?? 'no exit code'}. ${NO_CDKTF}`);
  }
  return r.exitCode;
}

/** The stacks `--stack` names (a layer such as `gateway`, or the stack name `prod-gateway`), in dependency order. */
export function selectStacks(envName: string, order: readonly string[], wanted: readonly string[] | undefined): string[] {
  if (!wanted || wanted.length === 0) return [...order];
  const names = wanted.map((w) => (order.includes(w) ? w : `${envName}-${w}`));
  names.forEach((n, i) => {
    if (!order.includes(n)) {
      throw new StackSelectionError(`--stack ${wanted[i]}: ${envName} has no stack "${n}"; its layers: ${order.map((s) => s.slice(envName.length + 1)).join(', ')}`);
    }
  });
  return order.filter((s) => names.includes(s));
}

export class StackSelectionError extends Error {}
