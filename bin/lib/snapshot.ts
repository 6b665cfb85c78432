/**
 * Reviewable YAML snapshots of synthesized stacks, one file per stack: the cdk.tf.json with its keys sorted, each
 * Helm release's values parsed back to YAML (not one escaped JSON string), and the large blobs that repeat across
 * environments (Grafana dashboards, the verbatim scripts of constructs/assets) folded to a reference with a digest,
 * so that any change still shows. Used by `inference-stack snapshot` and by our own test/stacks/presets.test.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { projectPath } from '../../lib/project-root';
import { terraformLiteral } from '../../lib/terraform-literal';
import type { TfJson } from '../../lib/tf-json';

/** The label Grafana's sidecar loads dashboards by (kube-prometheus-stack's default, set in our values). */
export const DASHBOARD_LABEL = 'grafana_dashboard';
export const DASHBOARD_SNAPSHOTS = 'test/observability/__snapshots__';

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

let assets: ReadonlyMap<string, string> | undefined;
/** Script assets shipped verbatim in ConfigMaps (escaped for Terraform): escaped text -> repository path. */
function assetTexts(): ReadonlyMap<string, string> {
  assets ??= new Map(readdirSync(projectPath('constructs', 'assets')).map((f) => [terraformLiteral(readFileSync(projectPath('constructs', 'assets', f), 'utf8')), `constructs/assets/${f}`]));
  return assets;
}

type Dashboard = { uid: string; templating: { list: Array<{ name: string; options: Array<{ value: string }> }> } };

/** What an environment changes in a dashboard: the options of its variables. */
export function dashboardVariables(d: Dashboard): Record<string, string[]> {
  return Object.fromEntries(d.templating.list.map((v) => [v.name, v.options.map((o) => o.value)]));
}

/**
 * A copy of a stack with (1) each Grafana dashboard's JSON replaced by its uid, digest and variable options (the
 * dashboards are snapshotted once, in test/observability/dashboards.test.ts), and (2) each ConfigMap value that is
 * exactly a script of constructs/assets replaced by the path and digest of that file. Counts what it folded.
 */
export function foldBlobs<T extends TfJson>(tf: T): { tf: T; dashboards: number; assets: number } {
  const copy = structuredClone(tf);
  let dashboards = 0;
  let folded = 0;
  const scripts = assetTexts();
  for (const cm of Object.values(copy.resource?.kubernetes_config_map_v1 ?? {}) as unknown as Array<{ metadata: { labels?: Record<string, string> }; data?: Record<string, unknown> }>) {
    for (const [key, value] of Object.entries(cm.data ?? {})) {
      if (typeof value !== 'string') continue;
      if (cm.metadata.labels?.[DASHBOARD_LABEL] === '1' && key.endsWith('.json')) {
        const d = JSON.parse(value) as Dashboard;
        cm.data![key] = { folded: `Grafana dashboard ${d.uid}, snapshotted once in ${DASHBOARD_SNAPSHOTS}`, sha256: sha(value), variables: dashboardVariables(d) };
        dashboards++;
      } else if (scripts.has(value)) {
        cm.data![key] = { folded: `${scripts.get(value)} verbatim (escaped for Terraform)`, sha256: sha(value) };
        folded++;
      }
    }
  }
  return { tf: copy, dashboards, assets: folded };
}

/** The reviewable YAML of one synthesized stack (its cdk.tf.json text). */
export function snapshotText(json: string): string {
  const { tf } = foldBlobs(JSON.parse(json) as TfJson);
  // Helm values are YAML already: show them as YAML, not as one escaped JSON string.
  for (const r of Object.values(tf.resource?.helm_release ?? {}) as Array<{ values?: unknown[] }>) {
    if (Array.isArray(r.values)) r.values = r.values.map((v) => (typeof v === 'string' ? (parse(v) as unknown) : v));
  }
  return stringify(tf, { sortMapEntries: true, lineWidth: 0 });
}

/** The snapshot file of a stack. */
export const snapshotFile = (stack: string): string => `${stack}.tf.yaml`;

/**
 * A unified-style diff of two texts by lines (longest common subsequence), with `context` lines around each change
 * and `@@ -a,n +b,m @@` hunk headers; empty when equal.
 */
export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string, context = 3): string {
  if (oldText === newText) return '';
  const a = oldText.split('\n');
  const b = newText.split('\n');
  // Common prefix and suffix first: snapshots change in a few places, which keeps the table small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const ops: Array<{ op: ' ' | '-' | '+'; line: string }> = a.slice(0, start).map((line) => ({ op: ' ' as const, line }));
  if (midA.length * midB.length <= 25_000_000) {
    const n = midA.length;
    const m = midB.length;
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = midA[i] === midB[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        ops.push({ op: ' ', line: midA[i++]! });
        j++;
      } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ op: '-', line: midA[i++]! });
      else ops.push({ op: '+', line: midB[j++]! });
    }
  } else {
    ops.push(...midA.map((line) => ({ op: '-' as const, line })), ...midB.map((line) => ({ op: '+' as const, line })));
  }
  ops.push(...a.slice(endA).map((line) => ({ op: ' ' as const, line })));
  // Hunks: the changed ops with `context` lines around, merged when they overlap.
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  const changed = ops.map((o, k) => (o.op === ' ' ? -1 : k)).filter((k) => k >= 0);
  let k = 0;
  while (k < changed.length) {
    const from = Math.max(0, changed[k]! - context);
    let to = changed[k]! + context;
    while (k + 1 < changed.length && changed[k + 1]! - context <= to + 1) to = changed[++k]! + context;
    k++;
    to = Math.min(ops.length - 1, to);
    let lineA = 1;
    let lineB = 1;
    for (let q = 0; q < from; q++) {
      if (ops[q]!.op !== '+') lineA++;
      if (ops[q]!.op !== '-') lineB++;
    }
    const hunk = ops.slice(from, to + 1);
    const countA = hunk.filter((o) => o.op !== '+').length;
    const countB = hunk.filter((o) => o.op !== '-').length;
    out.push(`@@ -${lineA},${countA} +${lineB},${countB} @@`, ...hunk.map((o) => `${o.op}${o.line}`));
  }
  return `${out.join('\n')}\n`;
}
