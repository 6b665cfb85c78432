/**
 * `inference-stack diff A B [--json]`: what differs between two environments: the effective config (after
 * `extends`), then the resources added, removed and changed per stack, with the changed attributes.
 */
import type { TfJson } from '../../lib/tf-json';

export interface ValueChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

export interface StackDiff {
  /** The layer (stack name without the environment). */
  readonly layer: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: ReadonlyArray<{ readonly resource: string; readonly attributes: readonly ValueChange[] }>;
}

export interface EnvironmentDiff {
  readonly from: string;
  readonly to: string;
  readonly config: readonly ValueChange[];
  readonly stacks: readonly StackDiff[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaf-level differences between two JSON values, by path. */
export function diffValues(a: unknown, b: unknown, path = ''): ValueChange[] {
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffValues(a[k], b[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((x, i) => diffValues(x, b[i], `${path}[${i}]`));
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, from: a, to: b }];
}

/** Resources by a name that survives environment renames: type plus construct path without the stack. */
function resourcesByPath(tf: TfJson): Map<string, unknown> {
  const out = new Map<string, unknown>();
  // The providers and the backend say where a stack deploys: a change there matters as much as a resource's.
  for (const [name, config] of Object.entries((tf as { provider?: Record<string, unknown> }).provider ?? {})) out.set(`provider.${name}`, config);
  if (tf.terraform?.backend) out.set('terraform.backend', tf.terraform.backend);
  for (const [type, byId] of Object.entries(tf.resource ?? {})) {
    for (const [logicalId, body] of Object.entries(byId)) {
      // logical ids end in a hash of the construct path; the path without its stack prefix is stable across envs
      const path = (body as { '//'?: { metadata?: { path?: string } } })['//']?.metadata?.path?.split('/').slice(1).join('/') ?? logicalId.replace(/_[0-9A-F]{8}$/, '');
      const { '//': _meta, ...rest } = body as Record<string, unknown>;
      out.set(`${type}.${path}`, rest);
    }
  }
  return out;
}

export function diffStacks(fromEnv: string, toEnv: string, a: Readonly<Record<string, TfJson>>, b: Readonly<Record<string, TfJson>>): StackDiff[] {
  const layers = (stacks: Readonly<Record<string, TfJson>>, env: string) => new Map(Object.entries(stacks).map(([name, tf]) => [name.slice(env.length + 1), tf]));
  const la = layers(a, fromEnv);
  const lb = layers(b, toEnv);
  const out: StackDiff[] = [];
  for (const layer of [...new Set([...la.keys(), ...lb.keys()])]) {
    const ra = la.has(layer) ? resourcesByPath(la.get(layer)!) : new Map();
    const rb = lb.has(layer) ? resourcesByPath(lb.get(layer)!) : new Map();
    const added = [...rb.keys()].filter((k) => !ra.has(k)).sort();
    const removed = [...ra.keys()].filter((k) => !rb.has(k)).sort();
    const changed = [...ra.keys()]
      .filter((k) => rb.has(k))
      .sort()
      .map((k) => ({ resource: k, attributes: diffValues(ra.get(k), rb.get(k)) }))
      .filter((c) => c.attributes.length > 0);
    if (added.length + removed.length + changed.length > 0) out.push({ layer, added, removed, changed });
  }
  return out;
}

const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v).slice(0, 120));
const WINDOW = 40;

/**
 * A change of a value as `from -> to`. Long values (Helm values, scripts) show the part that differs, with
 * WINDOW characters of context each side and `...` for what is the same: not the first 120 characters of both.
 */
export function showChange(from: unknown, to: unknown): string {
  if (from === undefined || to === undefined) return `${show(from)} -> ${show(to)}`;
  const a = JSON.stringify(from);
  const b = JSON.stringify(to);
  if (a.length <= 120 && b.length <= 120) return `${a} -> ${b}`;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const cut = (t: string) => {
    const from_ = Math.max(0, start - WINDOW);
    const to_ = Math.min(t.length, Math.max(t.length - end, start) + WINDOW);
    const mid = t.slice(from_, to_);
    return `${from_ > 0 ? '...' : ''}${mid.length > 240 ? `${mid.slice(0, 240)}...` : mid}${to_ < t.length ? '...' : ''}`;
  };
  return `${cut(a)} -> ${cut(b)} (at character ${start + 1})`;
}

export function formatDiff(d: EnvironmentDiff): string {
  const lines = [`${d.from} -> ${d.to}`, '', 'effective config:'];
  if (d.config.length === 0) lines.push('  (same)');
  for (const c of d.config) lines.push(`  ${c.path}: ${showChange(c.from, c.to)}`);
  for (const s of d.stacks) {
    lines.push('', `stack <env>-${s.layer}:`);
    for (const r of s.added) lines.push(`  + ${r}`);
    for (const r of s.removed) lines.push(`  - ${r}`);
    for (const c of s.changed) {
      lines.push(`  ~ ${c.resource}`);
      for (const a of c.attributes.slice(0, 20)) lines.push(`      ${a.path}: ${showChange(a.from, a.to)}`);
      if (c.attributes.length > 20) lines.push(`      ... ${c.attributes.length - 20} more`);
    }
  }
  if (d.stacks.length === 0) lines.push('', 'resources: (same)');
  return lines.join('\n');
}
