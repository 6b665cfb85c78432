/**
 * The bootstrap script run for real (python3) against a stub of LiteLLM's management API on loopback:
 * it creates teams and keys once, then only updates them.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapSpec } from '../../constructs/litellm-gateway';
import { tempDir } from '../support/env';
import { REPO } from '../support/paths';

const MASTER = 'sk-master-test-0000000000';
type Call = { method: string; path: string; body?: any; auth?: string };

describe('gateway bootstrap script', () => {
  let server: Server;
  let port: number;
  const calls: Call[] = [];
  const teams = new Map<string, any>();
  const keys = new Map<string, any>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        const body = text ? JSON.parse(text) : undefined;
        calls.push({ method: req.method!, path: url.pathname, body, auth: req.headers.authorization });
        const send = (status: number, obj: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(obj));
        };
        // Like LiteLLM: readiness needs no key, the management API does.
        if (url.pathname === '/health/readiness') return send(200, { status: 'connected' });
        if (req.headers.authorization !== `Bearer ${MASTER}`) return send(401, { error: 'auth' });
        switch (`${req.method} ${url.pathname}`) {
          case 'GET /team/info':
            return teams.has(url.searchParams.get('team_id')!) ? send(200, teams.get(url.searchParams.get('team_id')!)) : send(404, { error: 'not found' });
          case 'POST /team/new':
          case 'POST /team/update':
            teams.set(body.team_id, body);
            return send(200, body);
          case 'GET /key/info':
            return keys.has(url.searchParams.get('key')!) ? send(200, keys.get(url.searchParams.get('key')!)) : send(404, { error: 'not found' });
          case 'POST /key/generate':
          case 'POST /key/update':
            keys.set(body.key, body);
            return send(200, body);
          default:
            return send(404, { error: 'no route' });
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const { spec, keyEnv } = bootstrapSpec([
    { name: 'search', maxBudget: 500, budgetDuration: '30d', rpmLimit: 600, models: ['llama-70b'], keys: [{ name: 'search-backend', secret: { name: 's', key: 'k' }, tpmLimit: 1000, models: [] }] },
    { name: 'support', models: [], keys: [] },
  ]);

  function run(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    const dir = tempDir('bootstrap-');
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    return new Promise((resolve) => {
      execFile('python3', [join(REPO, 'constructs/assets/litellm-bootstrap.py')], { env: { PATH: process.env.PATH, GATEWAY_URL: `http://127.0.0.1:${port}`, LITELLM_MASTER_KEY: MASTER, BOOTSTRAP_SPEC: specFile, BOOTSTRAP_WAIT_SECONDS: '5', ...env } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('names each key value by an env var only', () => {
    expect(keyEnv).toEqual([{ env: 'KEY_0', secret: { name: 's', key: 'k' } }]);
    expect(JSON.stringify(spec)).not.toContain('sk-');
  });

  it('creates the teams and keys on the first run', async () => {
    const r = await run({ KEY_0: 'sk-search-backend-123456' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['team search: created', 'key search-backend: created', 'team support: created']);
    expect(calls.find((c) => c.path === '/team/new')?.body).toEqual({ team_id: 'search', team_alias: 'search', max_budget: 500, budget_duration: '30d', rpm_limit: 600, models: ['llama-70b'] });
    expect(calls.find((c) => c.path === '/key/generate')?.body).toEqual({ key: 'sk-search-backend-123456', key_alias: 'search-backend', team_id: 'search', tpm_limit: 1000 });
    expect(calls.every((c) => c.auth === `Bearer ${MASTER}`)).toBe(true);
  });

  it('only updates on the second run: idempotent', async () => {
    calls.length = 0;
    const r = await run({ KEY_0: 'sk-search-backend-123456' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['team search: updated', 'key search-backend: updated', 'team support: updated']);
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/team/update', '/key/update', '/team/update']);
    expect(teams.size).toBe(2);
    expect(keys.size).toBe(1);
  });

  it('fails, naming the key, when its Secret does not hold an sk- key', async () => {
    const r = await run({ KEY_0: 'not-a-key' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/key search-backend: the Secret behind KEY_0 must hold a key starting with sk-/);
  });

  it('fails when the gateway refuses the master key', async () => {
    const r = await run({ KEY_0: 'sk-search-backend-123456', LITELLM_MASTER_KEY: 'sk-wrong' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^team search: create: HTTP 401/);
  });
});
