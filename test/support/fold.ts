/**
 * Large blobs that repeat across the per-environment snapshots (test/stacks/__snapshots__), folded to a short
 * reference: each is snapshotted once elsewhere, and the fold keeps a digest so that any change still shows.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { terraformLiteral } from '../../lib/terraform-literal';
import { REPO } from './paths';
import type { TfJson } from './synth';

/** The label Grafana's sidecar loads dashboards by (kube-prometheus-stack's default, set in our values). */
export const DASHBOARD_LABEL = 'grafana_dashboard';
export const DASHBOARD_SNAPSHOTS = 'test/observability/__snapshots__';

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** Script assets shipped verbatim in ConfigMaps (escaped for Terraform): escaped text -> repository path. */
const ASSETS: ReadonlyMap<string, string> = new Map(
  readdirSync(join(REPO, 'constructs', 'assets')).map((f) => [terraformLiteral(readFileSync(join(REPO, 'constructs', 'assets', f), 'utf8')), `constructs/assets/${f}`]),
);

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
export function foldBlobs(tf: TfJson): { tf: TfJson; dashboards: number; assets: number } {
  const copy = structuredClone(tf);
  let dashboards = 0;
  let assets = 0;
  for (const cm of Object.values(copy.resource?.kubernetes_config_map_v1 ?? {}) as Array<{ metadata: { labels?: Record<string, string> }; data?: Record<string, unknown> }>) {
    for (const [key, value] of Object.entries(cm.data ?? {})) {
      if (typeof value !== 'string') continue;
      if (cm.metadata.labels?.[DASHBOARD_LABEL] === '1' && key.endsWith('.json')) {
        const d = JSON.parse(value) as Dashboard;
        cm.data![key] = { folded: `Grafana dashboard ${d.uid}, snapshotted once in ${DASHBOARD_SNAPSHOTS}`, sha256: sha(value), variables: dashboardVariables(d) };
        dashboards++;
      } else if (ASSETS.has(value)) {
        cm.data![key] = { folded: `${ASSETS.get(value)} verbatim (escaped for Terraform)`, sha256: sha(value) };
        assets++;
      }
    }
  }
  return { tf: copy, dashboards, assets };
}
