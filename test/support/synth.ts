import { join } from 'node:path';
import { parse } from 'yaml';
import { ENVIRONMENTS_DIR, loadEnvironment } from '../../environments/load';
import { resolveEnvironment, type ResolvedEnvironment } from '../../environments/resolve';
import type { Environment } from '../../environments/schema';
import { addEnvironmentStacks } from '../../stacks/environment-stacks';
import { Testing } from '../../lib/cdktf';

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

export function synthEnvJson(env: Environment): Record<string, TfJson> {
  return Object.fromEntries(Object.entries(synthEnv(env)).map(([k, v]) => [k, JSON.parse(v) as TfJson]));
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
