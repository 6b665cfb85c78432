/** One construct synthesized alone (cdktf's Testing.synthScope), its resources by type then by name. */
import { Testing, type Construct } from '../../lib/cdktf';

/** Synthesized JSON: read it with the types of what a test expects there (it is not checked against them). */
export type Resources = Record<string, Record<string, Record<string, any>>>;

export function synthConstruct(build: (scope: Construct) => void): { text: string; resources: Resources } {
  const text = Testing.synthScope(build);
  const parsed = JSON.parse(text) as { resource?: Resources };
  return { text, resources: parsed.resource ?? {} };
}

/** The one resource of that type (fails the test when there are none or several). */
export function only(resources: Resources, type: string): Record<string, any> {
  const all = Object.values(resources[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0]!;
}
