/**
 * The generated Caddy config against the real Caddy (Debian's package): `caddy validate`, then end to end on
 * loopback with a stub gateway and certificates made here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADDY_RELOAD_SCRIPT, caddyConfig, caddyConfigText, caddyWatchedFiles, type CaddyConfigOptions } from '../../constructs/caddy-config';
import { tempDir } from '../support/env';
import { makePki, type Pki } from '../support/pki';
import { PRESETS, resourcesOf, stacksOf } from '../support/synth';
import { missingTool } from '../support/tools';

const skip = missingTool('caddy', 'apt-get install -y caddy', ['version']);

describe('caddyConfig', () => {
  const base: CaddyConfigOptions = { listen: ':8443', upstream: 'litellm.gateway.svc:4000', internalListen: ':9180', tls: { certFile: '/tls/tls.crt', keyFile: '/tls/tls.key', clientCaFiles: ['/ca/ca.crt'] } };

  it('requires and verifies client certificates against the CA, TLS 1.2 at least', () => {
    const c = caddyConfig(base) as any;
    const [policy] = c.apps.http.servers.edge.tls_connection_policies;
    expect(policy).toEqual({ certificate_selection: { any_tag: ['edge'] }, protocol_min: 'tls1.2', client_authentication: { mode: 'require_and_verify', trusted_ca_certs_pem_files: ['/ca/ca.crt'] } });
    expect(JSON.stringify(c)).not.toContain('insecure_skip_verify');
    expect(c.admin).toEqual({ disabled: true });
  });

  it('drops client authentication without a CA, and TLS without certificates', () => {
    const tlsOnly = caddyConfig({ ...base, tls: { certFile: 'c', keyFile: 'k' } }) as any;
    expect(tlsOnly.apps.http.servers.edge.tls_connection_policies[0].client_authentication).toBeUndefined();
    const plain = caddyConfig({ ...base, tls: undefined }) as any;
    expect(plain.apps.http.servers.edge.tls_connection_policies).toBeUndefined();
    expect(plain.apps.tls).toBeUndefined();
  });

  it('gives the same bytes for the same options', () => {
    expect(caddyConfigText(base)).toBe(caddyConfigText({ ...base }));
  });
});

describe.skipIf(skip)('Caddy on loopback (real binary)', () => {
  let pki: Pki;
  let dir: string;
  let upstream: Server;
  let upstreamPort: number;
  const seen: Array<{ method: string; path: string; body: string; subject?: string }> = [];
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    dir = tempDir('caddy-');
    pki = makePki(dir);
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, path: req.url!, body, subject: req.headers['x-client-cert-subject'] as string | undefined });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    upstreamPort = (upstream.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const p of running) p.kill('SIGTERM');
    await new Promise((r) => upstream.close(r));
  });

  const freePort = async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  };

  async function startCaddy(options: (ports: { edge: number; internal: number }) => CaddyConfigOptions): Promise<{ edge: number; internal: number }> {
    const ports = { edge: await freePort(), internal: await freePort() };
    const file = join(dir, `caddy-${ports.edge}.json`);
    writeFileSync(file, caddyConfigText(options(ports)));
    const proc = spawn('caddy', ['run', '--config', file], { env: { ...process.env, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(proc);
    let log = '';
    proc.stderr!.on('data', (d) => (log += d));
    for (let i = 0; i < 100; i++) {
      try {
        const r = await fetch(`http://127.0.0.1:${ports.internal}/healthz`);
        if (r.status === 200) return ports;
      } catch {
        /* not up yet */
      }
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`caddy did not start:\n${log}`);
  }

  const options = (mtls: boolean) => (ports: { edge: number; internal: number }): CaddyConfigOptions => ({
    listen: `127.0.0.1:${ports.edge}`,
    internalListen: `127.0.0.1:${ports.internal}`,
    upstream: `127.0.0.1:${upstreamPort}`,
    tls: { certFile: pki.serverCert, keyFile: pki.serverKey, ...(mtls ? { clientCaFiles: [pki.ca] } : {}) },
  });

  function call(port: number, client?: { cert: string; key: string }, body = '', ca = pki.ca): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          path: '/v1/chat/completions?stream=false',
          method: 'POST',
          ca: readFileSync(ca),
          ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
          // Host matches the SNI, as real clients send it: with client authentication on, Caddy answers 421 to a
          // request whose Host differs from the SNI, so a certificate cannot be reused for another site.
          headers: { host: `localhost:${port}`, 'content-type': 'application/json', 'x-client-cert-subject': 'forged' },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('caddy validate accepts the config, with and without mTLS and without TLS', async () => {
    for (const [name, o] of [
      ['mtls', options(true)({ edge: 8443, internal: 9180 })],
      ['tls', options(false)({ edge: 8443, internal: 9180 })],
      ['plain', { ...options(false)({ edge: 8080, internal: 9180 }), tls: undefined }],
    ] as const) {
      const file = join(dir, `validate-${name}.json`);
      writeFileSync(file, caddyConfigText(o));
      const r = await execa('caddy', ['validate', '--config', file], { reject: false, env: { XDG_DATA_HOME: join(dir, 'data'), HOME: dir } });
      expect(r.exitCode, `${name}: ${r.stderr}`).toBe(0);
    }
  });

  it.each(PRESETS)('caddy validate accepts the config of the %s preset (certificate paths pointed at test files)', async (preset) => {
    const tf = stacksOf(preset)[`${preset}-edge`]!;
    const [cm] = resourcesOf(tf, 'kubernetes_config_map_v1') as Array<{ data: Record<string, string> }>;
    const text = cm!.data['caddy.json']!
      .replaceAll('/etc/caddy/tls/tls.crt', pki.serverCert)
      .replaceAll('/etc/caddy/tls/tls.key', pki.serverKey)
      .replaceAll('/etc/caddy/client-ca/ca.crt', pki.ca);
    const file = join(dir, `preset-${preset}.json`);
    writeFileSync(file, text);
    const r = await execa('caddy', ['validate', '--config', file], { reject: false, env: { XDG_DATA_HOME: join(dir, 'data'), HOME: dir } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/Valid configuration/);
  });

  describe('with mTLS', () => {
    let port: number;
    beforeAll(async () => {
      port = (await startCaddy(options(true))).edge;
    });

    it('fails the handshake without a client certificate', async () => {
      seen.length = 0;
      await expect(call(port)).rejects.toThrow(/certificate required|alert|socket hang up|ECONNRESET/);
      expect(seen).toHaveLength(0);
    });

    it('fails the handshake with a certificate from another CA', async () => {
      seen.length = 0;
      await expect(call(port, { cert: pki.strangerCert, key: pki.strangerKey })).rejects.toThrow(/unknown ca|bad certificate|alert|socket hang up|ECONNRESET/);
      expect(seen).toHaveLength(0);
    });

    it('passes a valid client through to the gateway with path and body intact', async () => {
      const body = JSON.stringify({ model: 'llama-8b', messages: [{ role: 'user', content: 'héllo' }] });
      seen.length = 0;
      const r = await call(port, { cert: pki.clientCert, key: pki.clientKey }, body);
      expect(r).toEqual({ status: 200, text: '{"ok":true}' });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions?stream=false', body });
      // the subject header is set by the edge, not taken from the client
      expect(seen[0]!.subject).toMatch(/CN=client/);
    });
  });

  describe('with TLS only', () => {
    it('lets a plain TLS client through', async () => {
      const { edge } = await startCaddy(options(false));
      seen.length = 0;
      const r = await call(edge, undefined, '{"x":1}');
      expect(r.status).toBe(200);
      expect(seen[0]).toMatchObject({ path: '/v1/chat/completions?stream=false', body: '{"x":1}' });
    });
  });

  /** A Secret volume as the kubelet writes it: files are symlinks through `..data`, swapped atomically. */
  function project(volume: string, files: Record<string, string>, version: string): void {
    const data = join(volume, `..${version}`);
    mkdirSync(data, { recursive: true });
    for (const [name, from] of Object.entries(files)) writeFileSync(join(data, name), readFileSync(from));
    symlinkSync(`..${version}`, join(volume, '..data_tmp'));
    renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
    for (const name of Object.keys(files)) {
      try {
        symlinkSync(join('..data', name), join(volume, name));
      } catch {
        /* already linked */
      }
    }
  }

  it('reloads a renewed certificate and a rotated client CA through the reload loop, without a restart', async () => {
    const next = makePki(tempDir('caddy-next-'));
    const tlsVolume = join(dir, 'tls-volume');
    const caVolume = join(dir, 'ca-volume');
    project(tlsVolume, { 'tls.crt': pki.serverCert, 'tls.key': pki.serverKey }, 'v1');
    project(caVolume, { 'ca.crt': pki.ca }, 'v1');
    let watched: string[] = [];
    const ports = await startCaddy((p) => {
      const o: CaddyConfigOptions = {
        ...options(true)(p),
        tls: { certFile: join(tlsVolume, 'tls.crt'), keyFile: join(tlsVolume, 'tls.key'), clientCaFiles: [join(caVolume, 'ca.crt')] },
        adminSocket: join(dir, 'admin.sock'),
      };
      watched = caddyWatchedFiles(o);
      return o;
    });
    const loop = spawn('/bin/sh', ['-c', CADDY_RELOAD_SCRIPT], {
      env: { PATH: process.env.PATH, HOME: dir, RELOAD_CONFIG: join(dir, `caddy-${ports.edge}.json`), RELOAD_WATCH: watched.join(' '), RELOAD_INTERVAL_SECONDS: '1', RELOAD_HEARTBEAT: join(dir, 'reload.alive') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(loop);
    let log = '';
    loop.stdout!.on('data', (d) => (log += d));
    loop.stderr!.on('data', (d) => (log += d));
    const oldClient = { cert: pki.clientCert, key: pki.clientKey };
    const newClient = { cert: next.clientCert, key: next.clientKey };
    const works = (client: { cert: string; key: string }, ca: string) => call(ports.edge, client, '{}', ca).then((r) => r.status === 200, () => false);

    expect(await works(oldClient, pki.ca)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    // nothing changed: no reload
    expect(log).not.toMatch(/changed/);
    expect(await works(newClient, next.ca)).toBe(false);

    // the renewal: a certificate from the new CA, which also becomes the client CA
    project(tlsVolume, { 'tls.crt': next.serverCert, 'tls.key': next.serverKey }, 'v2');
    project(caVolume, { 'ca.crt': next.ca }, 'v2');
    let reloaded = false;
    for (let i = 0; i < 40 && !reloaded; i++) {
      await new Promise((r) => setTimeout(r, 250));
      reloaded = await works(newClient, next.ca);
    }
    expect(reloaded, log).toBe(true);
    expect(log).toMatch(/changed: reloading/);
    // the old CA's clients are refused now, and the old server certificate is gone
    expect(await works(oldClient, next.ca)).toBe(false);
    expect(await works(newClient, pki.ca)).toBe(false);
  }, 30_000);

  it('serves request metrics on the internal listener', async () => {
    const { edge, internal } = await startCaddy(options(false));
    await call(edge, undefined, '{}');
    const r = await fetch(`http://127.0.0.1:${internal}/metrics`);
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/^caddy_http_request_duration_seconds_count\{.*code="200".*server="edge"/m);
  });
});
