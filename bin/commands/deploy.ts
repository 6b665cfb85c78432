/**
 * `inference-stack deploy|destroy --env X [--stack layer ...]`: runs `cdktf deploy`/`destroy` on the environment's
 * stacks (or the named layers) in dependency order (destroy in reverse), through execa. Refuses to destroy prod's stateful stacks without --force.
 */
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

/** Runs the plan, streaming cdktf's own progress; the command comes from $INFERENCE_STACK_CDKTF or npx. */
export async function runPlan(plan: DeployPlan, log: (line: string) => void): Promise<number> {
  const custom = process.env.INFERENCE_STACK_CDKTF;
  const [cmd, ...args] = custom ? [custom, ...plan.argv.slice(1)] : ['npx', ...plan.argv];
  log(`${plan.command}: ${plan.stacks.length} stacks in order: ${plan.stacks.join(' -> ')}`);
  // cdktf reads cdktf.json and writes cdktf.out in the project root, whatever folder this runs from
  const r = await exec(cmd!, args, { cwd: projectRoot(), stdio: 'inherit', reject: false, env: { CHECKPOINT_DISABLE: '1' } });
  if (r.exitCode === undefined) {
    throw new Error(`could not run ${cmd}: ${r.shortMessage ?? 'no exit code'}. Run npm ci (cdktf-cli is a dev dependency), or point INFERENCE_STACK_CDKTF at a cdktf binary.`);
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
