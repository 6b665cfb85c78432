import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UPSTREAM } from './paths';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Subcharts whose own values a parent's key may reach: parent data -> key -> the subchart's data. */
const SUBCHARTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'kube-prometheus-stack/88.5.3': { grafana: 'grafana/12.11.1' },
};

const deepMerge = (a: unknown, b: unknown): unknown =>
  isObject(a) && isObject(b) ? Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, k in b ? deepMerge(a[k], b[k]) : a[k]])) : (b ?? a);

/**
 * The upstream values.yaml of a chart version (`<chart>/<version>` under shared/upstream/charts), with the values
 * of its subcharts (where shared/ has them) under their keys.
 */
export function upstreamValues(upstreamData: string): Record<string, unknown> {
  const read = (dir: string) => {
    const file = join(UPSTREAM, 'charts', dir, 'values.yaml');
    if (!existsSync(file)) throw new Error(`no upstream values at ${file}: bring the chart's data before pinning it`);
    return parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  };
  const values = read(upstreamData);
  for (const [key, sub] of Object.entries(SUBCHARTS[upstreamData] ?? {})) values[key] = deepMerge(read(sub), values[key]);
  return values;
}

/**
 * Every key path we set that the upstream values do not have. Below an upstream key whose default is an empty
 * map or null (free-form: `data: {}`, `labels: {}`), any key is accepted; lists are taken whole.
 */
export function unknownValueKeys(values: unknown, upstream: unknown, prefix = '', freeForm: readonly string[] = []): string[] {
  if (!isObject(values)) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (freeForm.includes(path)) continue;
    if (!isObject(upstream) || !(key in upstream)) {
      out.push(path);
      continue;
    }
    const up = upstream[key];
    if (isObject(value)) {
      if (isObject(up) && Object.keys(up).length > 0) out.push(...unknownValueKeys(value, up, path, freeForm));
      else if (!(up === null || (isObject(up) && Object.keys(up).length === 0))) out.push(`${path} (upstream is not a map)`);
    }
  }
  return out;
}

/**
 * Values that are whole documents of another program, not chart settings: checked against that program's own
 * upstream keys by their own tests.
 */
export const FREE_FORM_VALUES: Readonly<Record<string, readonly string[]>> = {
  // LiteLLM's config.yaml, rendered as is: test/constructs/gateway.test.ts checks it against the proxy config keys.
  'litellm-helm': ['proxy_config'],
  // Qdrant documents apiKey only in a comment (false | true | string | valueFrom.secretKeyRef); see COMMENTED_KEYS.
  // Its security contexts are rendered verbatim: K8S_TYPED_VALUES checks them against the Kubernetes schema.
  qdrant: ['apiKey', 'podSecurityContext', 'containerSecurityContext'],
  // a Kubernetes ResourceRequirements (upstream shows requests only): checked by K8S_TYPED_VALUES
  lws: ['resources', 'podSecurityContext'],
};

/** Values rendered verbatim as Kubernetes objects, by the kind of object, checked against the Kubernetes schema. */
export const K8S_TYPED_VALUES: Readonly<Record<string, Readonly<Record<string, 'PodSecurityContext' | 'SecurityContext' | 'ResourceRequirements'>>>> = {
  lws: { resources: 'ResourceRequirements', podSecurityContext: 'PodSecurityContext' },
  qdrant: { podSecurityContext: 'PodSecurityContext', containerSecurityContext: 'SecurityContext' },
  'litellm-helm': { podSecurityContext: 'PodSecurityContext', securityContext: 'SecurityContext' },
};

/** Keys a chart's values.yaml documents only in comments (`# key: ...`); a test checks each comment is there. */
export const COMMENTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  qdrant: ['apiKey', 'persistence.storageClassName', 'snapshotPersistence.storageClassName'],
};

/** Adds the commented keys of a chart to its upstream values (with a placeholder), for the key check. */
export function withCommentedKeys(chart: string, upstream: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(upstream);
  for (const path of COMMENTED_KEYS[chart] ?? []) {
    const parts = path.split('.');
    let cur = out as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[parts.at(-1)!] ??= null;
  }
  return out;
}
