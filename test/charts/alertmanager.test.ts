/**
 * Alertmanager receivers and routes: the values kube-prometheus-stack 88.5.3 reads, the configuration checked by
 * amtool (Debian's prometheus-alertmanager) and routed with `amtool config routes test`, credentials only as files
 * from mounted Secrets.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CHARTS } from '../../charts/pins';
import { ALERTMANAGER_SECRETS_DIR, alertmanagerConfig, alertmanagerSecrets, type AlertingOptions } from '../../charts/kube-prometheus-stack';
import { tempDir } from '../support/env';
import { chartFacts, excerpt } from '../support/upstream';
import { helmReleases, presetEnv, releaseValues, synthEnvJson } from '../support/synth';
import { missingTool, toolVersion } from '../support/tools';

const ALL: AlertingOptions = {
  receivers: [
    { name: 'oncall', type: 'pagerduty', routingKeySecret: { name: 'alertmanager-pagerduty', key: 'routing-key' } },
    { name: 'team-slack', type: 'slack', channel: '#llm-alerts', webhookUrlSecret: { name: 'alertmanager-slack', key: 'webhook-url' } },
    { name: 'ops-mail', type: 'email', to: 'ops@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587', authUsername: 'alertmanager', authPasswordSecret: { name: 'alertmanager-smtp', key: 'password' } },
    { name: 'ticketing', type: 'webhook', urlSecret: { name: 'alertmanager-webhook', key: 'url' } },
  ],
  routes: { critical: ['oncall', 'team-slack'], warning: ['team-slack', 'ticketing'], info: ['ops-mail'] },
};
const KPS = CHARTS.kubePrometheusStack.upstreamData;

describe('Alertmanager values', () => {
  const config = alertmanagerConfig(ALL) as any;
  const byName = Object.fromEntries(config.receivers.map((r: any) => [r.name, r]));

  it('reads every credential from a file of a mounted Secret, and mounts each Secret once', () => {
    expect(byName['oncall'].pagerduty_configs[0].routing_key_file).toBe(`${ALERTMANAGER_SECRETS_DIR}/alertmanager-pagerduty/routing-key`);
    expect(byName['team-slack'].slack_configs[0]).toMatchObject({ channel: '#llm-alerts', api_url_file: `${ALERTMANAGER_SECRETS_DIR}/alertmanager-slack/webhook-url` });
    expect(byName['ops-mail'].email_configs[0]).toMatchObject({ auth_username: 'alertmanager', auth_password_file: `${ALERTMANAGER_SECRETS_DIR}/alertmanager-smtp/password` });
    expect(byName['ticketing'].webhook_configs[0].url_file).toBe(`${ALERTMANAGER_SECRETS_DIR}/alertmanager-webhook/url`);
    expect(alertmanagerSecrets(ALL)).toEqual(['alertmanager-pagerduty', 'alertmanager-slack', 'alertmanager-smtp', 'alertmanager-webhook']);
    // no inline credential field at all
    expect(JSON.stringify(config)).not.toMatch(/"(api_url|routing_key|service_key|auth_password|url)":/);
  });

  it('uses values the pinned chart reads, at the path the operator mounts Secrets', () => {
    const secretTpl = excerpt(KPS, 'templates/alertmanager/secret.yaml');
    expect(secretTpl).toContain('alertmanager.yaml: {{ toYaml .Values.alertmanager.config | b64enc | quote }}');
    const amTpl = excerpt(KPS, 'templates/alertmanager/alertmanager.yaml');
    expect(amTpl).toContain('toYaml .Values.alertmanager.alertmanagerSpec.secrets');
    const crd = excerpt(KPS, 'crds/crd-alertmanagers.yaml');
    expect(crd).toContain(`The Secrets are mounted into \`${ALERTMANAGER_SECRETS_DIR}/<secret-name>\``);
  });

  it("sets every key of the chart's default config, so Helm's merge keeps none of the default's routes", () => {
    const chartDefault = (releaseDefault() as any).alertmanager.config;
    expect(Object.keys(config).sort()).toEqual(Object.keys(chartDefault).sort());
    expect(Object.keys(config.route).sort()).toEqual(expect.arrayContaining(Object.keys(chartDefault.route)));
  });

  it('renders the presets: staging and prod route critical alerts to a receiver, dev to none', () => {
    for (const [preset, routed] of [['dev', false], ['staging', true], ['prod', true]] as const) {
      const env = presetEnv(preset);
      const release = helmReleases(synthEnvJson(env)[`${preset}-platform`]!).find((r) => r.chart === 'kube-prometheus-stack')!;
      const am = (releaseValues(release) as any).alertmanager;
      const critical = am.config.route.routes.filter((r: any) => r.matchers.includes('severity = "critical"'));
      expect(critical.length > 0, preset).toBe(routed);
      expect(am.alertmanagerSpec.secrets ?? [], preset).toEqual(alertmanagerSecrets(env.observability.alerting));
    }
  });
});

/** The chart's own values.yaml. */
function releaseDefault(): unknown {
  return structuredClone(chartFacts(KPS).values);
}

const skip = missingTool('amtool', 'apt-get install -y prometheus-alertmanager');
/** Debian's amtool (0.25) predates webhook `url_file` (added in Alertmanager 0.26.0; the chart runs 0.34.0). */
const amtoolKnowsWebhookUrlFile = (() => {
  const v = /version (\d+)\.(\d+)/.exec(toolVersion('amtool') ?? '');
  return v !== null && (Number(v[1]) > 0 || Number(v[2]) >= 26);
})();

/** Writes the config for amtool; with an amtool older than 0.26 the webhook's url_file becomes a placeholder url. */
function writeConfig(config: object): string {
  const dir = tempDir();
  const file = join(dir, 'alertmanager.yaml');
  let text = stringify(config, { lineWidth: 0 });
  if (!amtoolKnowsWebhookUrlFile) text = text.replace(/url_file: \S+/g, 'url: https://placeholder.invalid/');
  writeFileSync(file, text);
  return file;
}

describe.skipIf(skip)('amtool', () => {
  it('accepts the configuration with every receiver type', () => {
    const r = spawnSync('amtool', ['check-config', writeConfig(alertmanagerConfig(ALL))], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('accepts the configuration of every preset', () => {
    for (const preset of ['dev', 'staging', 'prod']) {
      const r = spawnSync('amtool', ['check-config', writeConfig(alertmanagerConfig(presetEnv(preset).observability.alerting))], { encoding: 'utf8' });
      expect(r.status, `${preset}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it('catches a broken configuration (the check can fail)', () => {
    const broken = { ...alertmanagerConfig(ALL), receivers: [{ name: 'null' }] };
    expect(spawnSync('amtool', ['check-config', writeConfig(broken)], { encoding: 'utf8' }).status).not.toBe(0);
  });

  it('routes each severity to every receiver listed for it, and Watchdog to none', () => {
    const file = writeConfig(alertmanagerConfig(ALL));
    const route = (...labels: string[]) => execFileSync('amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...labels], { encoding: 'utf8' }).trim();
    expect(route('alertname=InferenceServerDown', 'severity=critical')).toBe('oncall,team-slack');
    expect(route('alertname=GpuTemperatureHigh', 'severity=warning')).toBe('team-slack,ticketing');
    expect(route('alertname=X', 'severity=info')).toBe('ops-mail');
    expect(route('alertname=Watchdog', 'severity=none')).toBe('null');
  });
});
