/** Warnings: what a valid environment should fix, located like problems, printed by synth without stopping it. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthEnvironments } from '../../bin/lib/synth-environments';
import { formatProblem, loadEnvironment } from '../../environments/load';
import { tempDir, writeEnvs } from '../support/env';
import { REPO } from '../support/paths';

const S3 = { type: 's3', bucket: 'state', key: 'k', region: 'eu-west-1' };
const BASE = { kubernetes: { context: 'x' }, backend: S3 };
const warningsOf = (content: object | string) => loadEnvironment(writeEnvs({ env: content }).env!).warnings.map(formatProblem).map((l) => l.replace(/^.*?\.yaml:/, '').trim());

describe('warnings', () => {
  it('warns outside dev when alerts reach no one, and not in dev', () => {
    // not in the file: located at its first line, as problems are
    expect(warningsOf({ ...BASE, stage: 'staging' })).toEqual([
      "1: observability.alerting.receivers: none: staging's alerts fire in Prometheus and reach no one; add receivers (slack, pagerduty, email or webhook, credentials from Secrets) and route each severity to them under observability.alerting.routes",
    ]);
    expect(warningsOf({ ...BASE, stage: 'dev', backend: { type: 'local' } })).toEqual([]);
  });

  it('warns when receivers exist but critical alerts go to none of them, at the line of the routes', () => {
    const text = [
      'stage: prod',
      'kubernetes: { context: x }',
      'backend: { type: s3, bucket: state, key: k, region: eu-west-1 }',
      'gateway: { replicas: 2 }',
      'observability:',
      '  alerting:',
      '    receivers:',
      '      - { name: hook, type: webhook, urlSecret: { name: am-hook, key: url } }',
      '    routes:',
      '      critical: []',
      '      warning: [hook]',
      '',
    ].join('\n');
    expect(warningsOf(text)).toEqual(['10: observability.alerting.routes.critical: none: critical alerts reach no one; route them to a receiver (hook)']);
  });

  it('warns of the deprecated DynamoDB lock table, at its line', () => {
    const text = ['stage: dev', 'kubernetes: { context: x }', 'backend:', '  type: s3', '  bucket: state', '  key: k', '  region: eu-west-1', '  dynamodbTable: tf-lock', ''].join('\n');
    expect(warningsOf(text)).toEqual([
      '8: backend.dynamodbTable: "tf-lock": DynamoDB state locking is deprecated since Terraform 1.11 (S3 native locking replaces it); remove dynamodbTable, and the stacks lock with use_lockfile',
    ]);
  });

  it('rejects a route to a receiver that does not exist, and a half-configured SMTP login', () => {
    const files = writeEnvs({
      env: {
        ...BASE,
        stage: 'dev',
        observability: {
          alerting: {
            receivers: [{ name: 'mail', type: 'email', to: 'a@example.com', from: 'b@example.com', smarthost: 'smtp.example.com:587', authUsername: 'am' }],
            routes: { critical: ['mail', 'pager'] },
          },
        },
      },
    });
    expect(() => loadEnvironment(files.env!)).toThrow(/observability\.alerting\.routes\.critical\[1\]: "pager" is not a receiver; use one of: mail/);
    expect(() => loadEnvironment(files.env!)).toThrow(/observability\.alerting\.receivers\[0\]\.authUsername: SMTP authentication needs both authUsername and authPasswordSecret/);
  });

  it('lets synth write the environment and prints each warning on stderr', () => {
    const { env } = writeEnvs({ env: { ...BASE, stage: 'staging', gateway: { replicas: 2 }, edge: { tls: { mode: 'secret', secretName: 'tls' } } } });
    const out = tempDir();
    const result = synthEnvironments([env!], out);
    expect(result.problems).toEqual([]);
    expect(result.written.map((w) => w.name)).toEqual(['env']);
    expect(result.warnings.map((w) => w.path)).toEqual(['observability.alerting.receivers']);
    const cli = spawnSync('node', [join(REPO, 'bin', 'run.cjs'), 'synth', '--env', env!, '--out', tempDir()], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    expect(cli.stderr).toMatch(/^warning: .*env\.yaml:1: observability\.alerting\.receivers: none: staging's alerts fire in Prometheus and reach no one/m);
  });
});
