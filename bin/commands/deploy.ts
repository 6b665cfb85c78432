/**
 * `inference-stack deploy|destroy --env X [--stack layer ...] [--out dir]`: synthesizes the environment into the
 * folder the user runs in (`<out>/stacks/<env>-<layer>/cdk.tf.json`), then runs Terraform itself in each stack's
 * folder, in dependency order (destroy in reverse): `terraform -chdir=<out>/stacks/<stack> init`, then `apply` or
 * `destroy`. Each stack is plain Terraform JSON with its own backend, so neither cdktf-cli nor a cdktf.json is needed,
 * and nothing is written into the installed package. Refuses to destroy prod's stateful stacks without --force.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { exec } from '../lib/exec';

/** Stacks that hold data: destroying them in prod deletes it (the namespaces stack holds the data's namespaces). */
export const STATEFUL_LAYERS = ['rag', 'gateway', 'namespaces'] as const;

export interface TerraformStep {
  readonly stack: string;
  /** `init` or the command itself */
  readonly verb: 'init' | 'apply' | 'destroy';
  /** terraform's arguments, `-chdir=<stack folder>` first */
  readonly args: readonly string[];
}

export interface DeployPlan {
  readonly command: 'deploy' | 'destroy';
  /** Stack names in the order they run. */
  readonly stacks: readonly string[];
  /** The terraform runs, in order: per stack init, then apply or destroy. */
  readonly steps: readonly TerraformStep[];
}

/**
 * The Terraform runs for an environment's stacks (already in dependency order) synthesized in `outdir`. `extra` are
 * the user's flags after `--`, passed to apply/destroy (e.g. -auto-approve).
 */
export function deployPlan(command: 'deploy' | 'destroy', env: { name: string; stage: string }, outdir: string, stacksInOrder: readonly string[], force: boolean, extra: readonly string[] = []): DeployPlan {
  const stacks = command === 'deploy' ? [...stacksInOrder] : [...stacksInOrder].reverse();
  if (command === 'destroy' && env.stage === 'prod' && !force) {
    const stateful = stacks.filter((s) => STATEFUL_LAYERS.some((l) => s === `${env.name}-${l}`));
    if (stateful.length > 0) {
      const names = stateful.length > 1 ? `${stateful.slice(0, -1).join(', ')} and ${stateful.at(-1)!}` : stateful[0]!;
      throw new Error(`refusing to destroy ${names} of prod environment "${env.name}": they hold the vector store and the gateway's keys and spend, and the namespaces their volumes live in (prevent_destroy stops Terraform there anyway). Back them up, then run destroy --force to go ahead.`);
    }
  }
  const verb = command === 'deploy' ? 'apply' : 'destroy';
  const steps = stacks.flatMap((stack): TerraformStep[] => {
    const chdir = `-chdir=${join(outdir, 'stacks', stack)}`;
    return [
      { stack, verb: 'init', args: [chdir, 'init', '-input=false'] },
      { stack, verb, args: [chdir, verb, ...extra] },
    ];
  });
  return { command, stacks, steps };
}

/** The terraform command: $INFERENCE_STACK_TERRAFORM, else the first executable `terraform` on PATH. */
export function findTerraform(path: string = process.env.PATH ?? ''): string | undefined {
  if (process.env.INFERENCE_STACK_TERRAFORM) return process.env.INFERENCE_STACK_TERRAFORM;
  const exe = process.platform === 'win32' ? 'terraform.exe' : 'terraform';
  return path
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d) => join(d, exe))
    .find((c) => {
      try {
        accessSync(c, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** Why a deploy cannot run without Terraform, and the fix: one paragraph. */
export const NO_TERRAFORM = 'cannot deploy: the terraform command was not found on PATH. deploy and destroy synthesize the stacks into your folder, then run `terraform init` and `terraform apply` (or `destroy`) in each stack\'s folder in dependency order: install Terraform 1.10 or newer (developer.hashicorp.com/terraform/install), or point INFERENCE_STACK_TERRAFORM at its binary (e.g. INFERENCE_STACK_TERRAFORM=/opt/terraform-1.11/terraform). cdktf-cli is not needed. synth, check and snapshot need neither.';

/** Terraform's command, or the one-paragraph error when there is none. */
export function terraformCommand(): string {
  const cmd = findTerraform();
  if (!cmd) throw new Error(NO_TERRAFORM);
  return cmd;
}

/**
 * Runs the plan in `cwd` (the user's folder), streaming Terraform's own output; stops at the first run that fails,
 * naming the stacks not applied. Returns the exit code.
 */
export async function runPlan(plan: DeployPlan, cwd: string, log: (line: string) => void): Promise<number> {
  const cmd = terraformCommand();
  log(`${plan.command}: ${plan.stacks.length} stack${plan.stacks.length === 1 ? '' : 's'} in order: ${plan.stacks.join(' -> ')}`);
  for (const step of plan.steps) {
    if (step.verb === 'init') log(`== ${step.stack}`);
    const r = await exec(cmd, step.args, { cwd, stdio: 'inherit', reject: false, env: { CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' } });
    if (r.exitCode === undefined) throw new Error(`could not run ${cmd}: ${r.shortMessage ?? 'no exit code'}. ${NO_TERRAFORM}`);
    if (r.exitCode !== 0) {
      const rest = plan.stacks.slice(plan.stacks.indexOf(step.stack) + 1);
      log(`${plan.command} stopped: terraform ${step.verb} of ${step.stack} exited ${r.exitCode}; not ${plan.command === 'deploy' ? 'applied' : 'destroyed'}: ${rest.length > 0 ? rest.join(', ') : 'none'}`);
      return r.exitCode;
    }
  }
  return 0;
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
