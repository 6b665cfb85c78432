import { join } from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENTS_DIR, loadEnvironment } from '../../environments/load';
import { resolveEnvironment, type ResolvedEnvironment } from '../../environments/resolve';
import type { Environment } from '../../environments/schema';
import { addEnvironmentStacks } from '../../stacks/environment-stacks';
import { Testing } from '../../lib/cdktf';
import type { RequiredSecret } from '../../stacks/secrets';

/** How many times this worker synthesized each environment (by its name), to check that the memo is used. */
/** How often each named environment was synthesized for the memo (synthesisOf), by environment name. */
export const SYNTH_COUNTS = new Map<string, number>();
const countSynth = (name: string) => SYNTH_COUNTS.set(name, (SYNTH_COUNTS.get(name) ?? 0) + 1);

export type TfJson = {
  terraform: { backend: Record<string, Record<string, unknown>>; required_providers: Record<string, { version: string }> };
  provider: Record<string, unknown[]>;
  resource: Record<string, Record<string, Record<string, unknown>>>;
};

export const PRESETS = ['dev', 'staging', 'prod'] as const;

export function presetEnv(name: string): Environment {
  return loadEnvironment(join(ENVIRONMENTS_DIR, `${name}.yaml`)).env;
}

/** Synthesizes every stack of an environment in memory (validations on); stack name -> cdk.tf.json text. */
export function synthEnv(env: Environment): Record<string, string> {
  return synthEnvFromResolved(resolveEnvironment(env));
}

/** The same for an environment the loader resolved. */
export function synthEnvFromResolved(resolved: ResolvedEnvironment): Record<string, string> {
  const app = Testing.app();
  const { all } = addEnvironmentStacks(app, resolved);
  return Object.fromEntries(all.map((stack) => [stack.node.id, Testing.synth(stack, true)]));
}

/** Stack name -> the names of the stacks it depends on (`cdktf deploy` applies those first). */
export function stackDependencies(env: Environment): Record<string, string[]> {
  const { all } = addEnvironmentStacks(Testing.app(), resolveEnvironment(env));
  return Object.fromEntries(all.map((stack) => [stack.node.id, stack.dependencies.map((d) => d.node.id)]));
}

export function synthEnvJson(env: Environment): Record<string, TfJson> {
  return parseStacks(synthEnv(env));
}

const parseStacks = (texts: Record<string, string>): Record<string, TfJson> =>
  Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, JSON.parse(v) as TfJson]));

/**
 * A named environment the whole-output checks go through: a preset (`dev`), or a fixture (`fixture:all-engines`).
 * Loaded afresh on each call: a test may change its copy.
 */
export function namedEnv(name: string): Environment {
  return name.startsWith('fixture:') ? fixtureEnv(name.slice('fixture:'.length)) : presetEnv(name);
}

/** One synthesis of a named environment: what the whole-output checks read. */
export interface Synthesis {
  /** Stack name -> cdk.tf.json text, in deploy order. */
  readonly texts: Readonly<Record<string, string>>;
  /** Stack name -> the stacks it depends on. */
  readonly dependencies: Readonly<Record<string, readonly string[]>>;
  /** The Secrets the stacks name. */
  readonly secrets: readonly RequiredSecret[];
}

const syntheses = new Map<string, Synthesis>();

/**
 * A named environment (see namedEnv) synthesized once per vitest worker: test files share a worker's modules
 * (vitest.config.mts, `isolate: false`), so the memo lives as long as the worker and every file in it reads the
 * same synthesis (test/whole-output.test.ts runs the checks that walk every environment together). Callers must not change what it returns: stacksOf gives a copy to change.
 */
export function synthesisOf(name: string): Synthesis {
  let s = syntheses.get(name);
  if (!s) {
    const env = namedEnv(name);
    countSynth(env.name);
    const { all, secrets } = addEnvironmentStacks(Testing.app(), resolveEnvironment(env));
    s = {
      texts: Object.fromEntries(all.map((stack) => [stack.node.id, Testing.synth(stack, true)])),
      dependencies: Object.fromEntries(all.map((stack) => [stack.node.id, stack.dependencies.map((d) => d.node.id)])),
      secrets,
    };
    syntheses.set(name, s);
  }
  return s;
}

/** The stacks of a named environment, synthesized once per test file: stack name -> cdk.tf.json text. */
export function synthNamed(name: string): Readonly<Record<string, string>> {
  return synthesisOf(name).texts;
}

/** The stacks of a named environment as JSON: parsed afresh from the one synth on each call, so a test may change them. */
export function stacksOf(name: string): Record<string, TfJson> {
  return parseStacks(synthNamed(name));
}

/** Resources of one type in a synthesized stack, by logical id. */
export function resourcesOf(tf: TfJson, type: string): Array<Record<string, unknown>> {
  return Object.values(tf.resource?.[type] ?? {});
}

export interface HelmReleaseJson {
  name: string;
  chart: string;
  version: string;
  repository: string;
  namespace: string;
  atomic: boolean;
  wait: boolean;
  timeout: number;
  max_history: number;
  values: string[];
}

export function helmReleases(tf: TfJson): HelmReleaseJson[] {
  return resourcesOf(tf, 'helm_release') as unknown as HelmReleaseJson[];
}

export function releaseValues(r: HelmReleaseJson): Record<string, unknown> {
  return Object.assign({}, ...r.values.map((v) => parse(v) as Record<string, unknown>));
}

export const FIXTURES = join(__dirname, '..', 'fixtures', 'environments');

export function fixtureEnv(name: string): Environment {
  return loadEnvironment(join(FIXTURES, `${name}.yaml`)).env;
}

/** The presets and the deployable fixtures by name (see namedEnv): the environments whole-output checks go through. */
export const DEPLOYABLE = [...PRESETS, 'fixture:all-engines', 'fixture:multi-node'] as const;

/** The presets and the deployable fixtures, each with a loader: the environments whole-output checks go through. */
export const DEPLOYABLE_ENVIRONMENTS: Array<[string, () => Environment]> = [
  ...PRESETS.map((p) => [p, () => presetEnv(p)] as [string, () => Environment]),
  ['all-engines fixture', () => fixtureEnv('all-engines')],
  ['multi-node fixture', () => fixtureEnv('multi-node')],
];

type Container = { name: string; image: string; args: string[]; command?: string[]; env: Array<{ name: string; value?: string; value_from?: unknown }>; resources: { limits: Record<string, string>; requests: Record<string, string> }; security_context: Record<string, unknown>; startup_probe: Record<string, any>; readiness_probe: Record<string, any>; liveness_probe: Record<string, any>; volume_mount: Array<{ name: string; mount_path: string }>; port: Array<{ name: string; container_port: number }> };
export interface StatefulSetJson {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  timeouts: { create: string; update: string };
  spec: {
    replicas: string;
    volume_claim_template?: Array<{ spec: { resources: { requests: { storage: string } }; storage_class_name?: string } }>;
    template: { spec: { container: Container[]; volume: Array<{ name: string; empty_dir?: { medium?: string; size_limit?: string } }>; security_context: Record<string, any>; node_selector?: Record<string, string>; toleration?: unknown[]; automount_service_account_token: boolean } };
  };
}

/** The StatefulSets of a stack by name. */
export function statefulSets(tf: TfJson): Record<string, StatefulSetJson> {
  return Object.fromEntries((resourcesOf(tf, 'kubernetes_stateful_set_v1') as unknown as StatefulSetJson[]).map((s) => [s.metadata.name, s]));
}
