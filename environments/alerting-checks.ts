/**
 * Cross-field checks of Alertmanager receivers and routes, and the warnings of an environment that validates but
 * has something to fix: alerts that reach no one outside dev, a deprecated backend field.
 */
import type { Environment } from './schema';

type Add = (path: (string | number)[], message: string) => void;
type Env = Pick<Environment, 'stage' | 'observability' | 'backend'>;

const SEVERITIES = ['critical', 'warning', 'info'] as const;

export function checkAlerting(env: Env, add: Add): void {
  const { receivers, routes } = env.observability.alerting;
  const at = (...rest: (string | number)[]) => ['observability', 'alerting', ...rest];
  const first = new Map<string, number>();
  receivers.forEach((r, i) => {
    const other = first.get(r.name);
    if (other !== undefined) add(at('receivers', i, 'name'), `duplicate receiver name "${r.name}" (also receivers[${other}]); give each receiver its own name`);
    else first.set(r.name, i);
    if (r.type === 'email' && (r.authUsername === undefined) !== (r.authPasswordSecret === undefined)) {
      add(at('receivers', i, r.authUsername === undefined ? 'authPasswordSecret' : 'authUsername'), 'SMTP authentication needs both authUsername and authPasswordSecret; set both, or neither for a relay without authentication');
    }
  });
  const names = [...first.keys()];
  for (const severity of SEVERITIES) {
    routes[severity].forEach((name, j) => {
      if (!first.has(name)) {
        add(at('routes', severity, j), `${JSON.stringify(name)} is not a receiver; use one of: ${names.join(', ') || '(no receivers defined: add them under observability.alerting.receivers)'}`);
      }
    });
  }
}

/** Problems that do not stop a synth, each with its field path: printed as warnings. */
export function environmentWarnings(env: Env): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  const { receivers, routes } = env.observability.alerting;
  if (env.stage !== 'dev') {
    if (receivers.length === 0) {
      out.push({
        path: ['observability', 'alerting', 'receivers'],
        message: `none: ${env.stage}'s alerts fire in Prometheus and reach no one; add receivers (slack, pagerduty, email or webhook, credentials from Secrets) and route each severity to them under observability.alerting.routes`,
      });
    } else if (routes.critical.length === 0) {
      out.push({
        path: ['observability', 'alerting', 'routes', 'critical'],
        message: `none: critical alerts reach no one; route them to a receiver (${receivers.map((r) => r.name).join(', ')})`,
      });
    }
  }
  if (env.backend.type === 's3' && env.backend.dynamodbTable !== undefined) {
    out.push({
      path: ['backend', 'dynamodbTable'],
      message: `${JSON.stringify(env.backend.dynamodbTable)}: DynamoDB state locking is deprecated since Terraform 1.11 (S3 native locking replaces it); remove dynamodbTable, and the stacks lock with use_lockfile`,
    });
  }
  return out;
}
