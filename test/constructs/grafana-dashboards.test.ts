import { describe, expect, it } from 'vitest';
import { GrafanaDashboards } from '../../constructs/grafana-dashboards';
import { expectResource, resourcesIn, synthScope } from '../support/construct';

describe('GrafanaDashboards', () => {
  const dashboards = { zeta: { uid: 'z', title: 'Zeta', panels: [] }, alpha: { uid: 'a', title: 'Alpha ${not_terraform}', panels: [{ targets: [{ expr: 'rate(x[$__rate_interval])' }] }] } };
  const json = synthScope((s) => new GrafanaDashboards(s, 'dashboards', { namespace: 'monitoring', dashboards }));

  it("writes one ConfigMap per dashboard, in name order, with the label Grafana's sidecar loads", () => {
    const maps = resourcesIn(json, 'kubernetes_config_map_v1');
    expect(maps.map((m) => m.metadata.name)).toEqual(['inference-dashboard-alpha', 'inference-dashboard-zeta']);
    for (const m of maps) expect(m.metadata).toEqual({ name: m.metadata.name, namespace: 'monitoring', labels: { grafana_dashboard: '1' } });
  });

  it('holds each dashboard as indented JSON under <name>.json, escaped so that Terraform leaves ${...} alone', () => {
    expectResource(json, 'kubernetes_config_map_v1', { metadata: { name: 'inference-dashboard-zeta' }, data: { 'zeta.json': `${JSON.stringify(dashboards.zeta, null, 2)}\n` } });
    const alpha = resourcesIn(json, 'kubernetes_config_map_v1').find((m) => m.metadata.name === 'inference-dashboard-alpha')!;
    expect(alpha.data['alpha.json']).toContain('"title": "Alpha $${not_terraform}"');
    expect(alpha.data['alpha.json']).toContain('$__rate_interval');
    expect(JSON.parse(alpha.data['alpha.json'].replace('$${', '${'))).toEqual(dashboards.alpha);
  });

  it('writes nothing for no dashboards', () => {
    expect(resourcesIn(synthScope((s) => new GrafanaDashboards(s, 'dashboards', { namespace: 'monitoring', dashboards: {} })), 'kubernetes_config_map_v1')).toEqual([]);
  });
});
