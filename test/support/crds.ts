/**
 * The CRDs of the custom resources we render (facts/upstream/crds.json, extracted from shared/upstream
 * charts/<chart>/<version>/crds/*.yaml by `npm run facts`), as JSON Schema validators (shared/upstream/README.md
 * "Do the custom resources the toolkit emits match the CRDs?").
 *
 * The CRD's openAPIV3Schema is turned into JSON Schema the way the API server treats it:
 * - `x-kubernetes-int-or-string: true` accepts an integer or a string;
 * - `x-kubernetes-preserve-unknown-fields: true` keeps any field; elsewhere an object with `properties` and no
 *   `additionalProperties` rejects unknown fields: the API server would prune them silently (or refuse them under
 *   strict field validation), which is exactly the "we set it, nothing reads it" defect;
 * - `nullable: true` also accepts null;
 * - `default`s are filled in before `required` is checked, as the API server does.
 * Not checked: `x-kubernetes-validations` (CEL rules) and `format`s; RE2-only patterns (UNCHECKED_PATTERNS).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { chartFacts, readFacts } from './upstream';

type Schema = Record<string, unknown>;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly schema: Schema;
}
export interface Crd {
  readonly group: string;
  readonly kind: string;
  readonly file: string;
  readonly versions: readonly CrdVersion[];
}

/** The CRD of every custom resource kind we render, by `group/kind` (`file`: where shared/upstream has it). */
export function loadCrds(): ReadonlyMap<string, Crd> {
  return new Map(Object.entries(readFacts<{ crds: Record<string, Crd> }>('crds.json').crds));
}

/** The CRD's structural schema as JSON Schema (see the file comment). */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'properties' && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toJsonSchema(s)]));
    else if (k === 'default' || k === 'example' || k === 'enum') out[k] = v;
    else out[k] = toJsonSchema(v);
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    if (!out.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (out['x-kubernetes-preserve-unknown-fields'] === true) {
    if (!out.properties && !out.additionalProperties) delete out.type;
  } else if (isObject(out.properties) && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  if (out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    delete out.nullable;
  }
  return out;
}

/** Patterns in Go's RE2 syntax that JavaScript cannot compile (other than a leading `(?i)`): not checked. */
export const UNCHECKED_PATTERNS = new Set<string>();

/** RE2 patterns (Kubernetes validates with Go's regexp): a leading `(?i)` becomes the `i` flag. */
const re2: ((pattern: string, flags: string) => { test: (s: string) => boolean }) & { code: string } = Object.assign(
  (pattern: string, flags: string) => {
    const ci = pattern.startsWith('(?i)');
    const source = ci ? pattern.slice(4) : pattern;
    for (const f of [`${flags}${ci ? 'i' : ''}`, ci ? 'i' : '']) {
      try {
        return new RegExp(source, f);
      } catch {
        // try the next flags
      }
    }
    UNCHECKED_PATTERNS.add(pattern);
    return { test: () => true };
  },
  { code: 'RE2 patterns, test/support/crds.ts' },
);

const OPTIONS = { strict: false, allErrors: true, validateFormats: false, logger: false as const, code: { regExp: re2 } };
/** CRD schemas: the API server fills `default`s before it validates `required`, so the validator does too (on a copy). */
const ajv = new Ajv({ ...OPTIONS, useDefaults: true });
const compiled = new WeakMap<object, ValidateFunction>();
const compile = (schema: Schema): ValidateFunction => compiled.get(schema) ?? compiled.set(schema, ajv.compile(toJsonSchema(schema) as Schema)).get(schema)!;

/** `instancePath: message` lines, short enough to read in a test failure. */
export function formatErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return [...new Set((errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues: unknown }).allowedValues)})` : ''}`))];
}

export type CrdCheck = { ok: true; crd: Crd; version: CrdVersion } | { ok: false; reason: string };

/** The CRD version an object's apiVersion and kind name, or why there is none to check it against. */
export function crdFor(crds: ReadonlyMap<string, Crd>, apiVersion: string, kind: string): CrdCheck {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
  const crd = crds.get(`${group}/${kind}`);
  if (!crd) return { ok: false, reason: `no CRD for ${group}/${kind} in facts/upstream/crds.json (add it to RENDERED_CRDS in test/support/extract-facts.ts and run npm run facts)` };
  const v = crd.versions.find((x) => x.name === version);
  if (!v) return { ok: false, reason: `${crd.file} has no version ${version} (has ${crd.versions.map((x) => x.name).join(', ')})` };
  if (!v.served) return { ok: false, reason: `${crd.file}: version ${version} is not served` };
  return { ok: true, crd, version: v };
}

/** The errors of an object against its CRD (the version its apiVersion names); [] when it validates. */
export function validateCustomResource(crds: ReadonlyMap<string, Crd>, object: { readonly apiVersion: string; readonly kind: string; readonly [field: string]: unknown }): string[] {
  const found = crdFor(crds, object.apiVersion, object.kind);
  if (!found.ok) return [found.reason];
  const validate = compile(found.version.schema);
  return validate(structuredClone(object)) ? [] : formatErrors(validate.errors);
}

/** The sub-schema at a field path of a CRD version's schema (`spec.storage`; `[]` steps into list items). */
export function subSchema(version: CrdVersion, path: readonly string[]): Schema {
  let node: unknown = version.schema;
  for (const p of path) {
    node = p === '[]' ? (node as Schema).items : ((node as Schema).properties as Record<string, unknown> | undefined)?.[p];
    if (!isObject(node)) throw new Error(`the CRD schema has no field ${path.join('.')}`);
  }
  return node as Schema;
}

/** The errors of a value against a sub-schema of a CRD version. */
export function validateAt(version: CrdVersion, path: readonly string[], value: unknown): string[] {
  const validate = compile(subSchema(version, path));
  return validate(structuredClone(value)) ? [] : formatErrors(validate.errors);
}

const ajv07 = new Ajv(OPTIONS);
const ajv2020 = new Ajv2020(OPTIONS);

/** A chart's values.schema.json as a validator (draft-07 or 2020-12, as the file says), or undefined when the chart has none. */
export function valuesSchemaValidator(chartDir: string): ValidateFunction | undefined {
  const schema = chartFacts(chartDir).valuesSchema;
  if (!schema) return undefined;
  const draft07 = typeof schema.$schema === 'string' && schema.$schema.includes('draft-07');
  const { $schema: _ignored, ...rest } = schema;
  return (draft07 ? ajv07 : ajv2020).compile(rest);
}
