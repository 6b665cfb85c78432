import { alertRules, type AlertInput, type RuleGroup } from '../observability/alert-rules';
import type { CostRuleGroup } from '../observability/cost-rules';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { Manifest } from '../lib/bindings';
import { Construct } from '../lib/cdktf';

export type { AlertInput };

/** The rule groups as given (alerts, or recording rules and alerts), or generated from what the environment deploys (`alerts`). */
export type AlertRuleSetProps = { readonly name: string; readonly namespace: string } & ({ readonly groups: ReadonlyArray<RuleGroup | CostRuleGroup> } | { readonly alerts: AlertInput });

/** The environment's alert rules as a PrometheusRule, which Prometheus picks up from any namespace. */
export class AlertRuleSet extends Construct {
  readonly manifest: Manifest;
  /** The manifest as rendered (typed inside by the kubernetes-models type, a dev dependency, so not in the public declarations). */
  readonly body: object;

  constructor(scope: Construct, id: string, p: AlertRuleSetProps) {
    super(scope, id);
    const groups = 'groups' in p ? p.groups : alertRules(p.alerts);
    const body: IPrometheusRule = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: p.name, namespace: p.namespace, labels: { 'app.kubernetes.io/managed-by': 'inference-stack' } },
      spec: {
        groups: groups.map((g) => ({
          name: g.name,
          rules: g.rules.map((r) =>
            'record' in r
              ? { record: r.record, expr: r.expr, ...(r.labels ? { labels: { ...r.labels } } : {}) }
              : { alert: r.alert, expr: r.expr, for: r.for, labels: { ...r.labels }, annotations: { ...r.annotations } },
          ),
        })),
      },
    };
    this.body = body;
    this.manifest = new Manifest(this, 'manifest', { manifest: body });
  }
}
