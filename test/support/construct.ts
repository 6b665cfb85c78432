/**
 * One construct alone: synthesized in a bare test stack with cdktf's Testing.synthScope, and asserted with its
 * matchers (Testing.toHaveResourceWithProperties: every given property deep-equal, lists whole, objects partial).
 */
import { expect } from 'vitest';
import { parse } from 'yaml';
import { Testing, type Construct } from '../../lib/cdktf';

/** The cdk.tf.json text of a stack holding what `build` adds. */
export function synthScope(build: (scope: Construct) => void): string {
  return Testing.synthScope((scope) => build(scope as Construct));
}

/** Asserts that the synthesized stack has a resource of `type` with `properties`; the message lists what it has. */
export function expectResource(json: string, type: string, properties: Record<string, unknown>): void {
  const found = Testing.toHaveResourceWithProperties(json, type, properties);
  const have = JSON.stringify(Object.values((JSON.parse(json) as { resource?: Record<string, object> }).resource?.[type] ?? {}), null, 1);
  expect(found, `no ${type} with ${JSON.stringify(properties)}; the stack has: ${have.slice(0, 4000)}`).toBe(true);
}

/** The resources of one type, in synthesis order. */
export function resourcesIn(json: string, type: string): Array<Record<string, any>> {
  return Object.values((JSON.parse(json) as { resource?: Record<string, Record<string, Record<string, any>>> }).resource?.[type] ?? {});
}

/** The values of the one helm_release of a stack, its YAML documents merged. */
export function onlyReleaseValues(json: string): Record<string, any> {
  const releases = resourcesIn(json, 'helm_release');
  expect(releases).toHaveLength(1);
  return Object.assign({}, ...(releases[0]!.values as string[]).map((v) => parse(v) as object));
}
