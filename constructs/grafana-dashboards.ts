import { dashboards, type DashboardInput } from '../observability/dashboards';
import { GRAFANA_DASHBOARD_LABEL } from '../charts/kube-prometheus-stack';
import { ConfigMapV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { terraformLiteralData } from '../lib/terraform-literal';

export type { DashboardInput };

/** The dashboards as given, or generated from what the environment deploys (`input`). */
export type GrafanaDashboardsProps = { readonly namespace: string } & (
  | {
      /** Dashboard JSON models by file stem. */
      readonly dashboards: Readonly<Record<string, object>>;
    }
  | { readonly input: DashboardInput }
);

/** Dashboards as ConfigMaps with the label Grafana's sidecar loads. */
export class GrafanaDashboards extends Construct {
  readonly configMaps: readonly ConfigMapV1[];

  constructor(scope: Construct, id: string, p: GrafanaDashboardsProps) {
    super(scope, id);
    const boards = 'dashboards' in p ? p.dashboards : dashboards(p.input);
    this.configMaps = Object.keys(boards)
      .sort()
      .map(
        (name) =>
          new ConfigMapV1(this, name, {
            metadata: { name: `inference-dashboard-${name}`, namespace: p.namespace, labels: { [GRAFANA_DASHBOARD_LABEL]: '1' } },
            data: terraformLiteralData({ [`${name}.json`]: `${JSON.stringify(boards[name], null, 2)}\n` }),
          }),
      );
  }
}
