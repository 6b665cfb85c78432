import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UPSTREAM } from './paths';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The upstream values.yaml of a chart version (`<chart>/<version>` under shared/upstream/charts). */
export function upstreamValues(upstreamData: string): Record<string, unknown> {
  const file = join(UPSTREAM, 'charts', upstreamData, 'values.yaml');
  if (!existsSync(file)) throw new Error(`no upstream values at ${file}: bring the chart's data before pinning it`);
  return parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
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
  // LiteLLM's config.yaml, rendered as is: test/charts/litellm.test.ts checks it against the proxy config keys.
  'litellm-helm': ['proxy_config'],
};
