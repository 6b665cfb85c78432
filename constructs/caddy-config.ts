/**
 * The edge proxy's configuration: Caddy's native JSON, generated from typed options.
 *
 * One form for both Caddys we meet: the pinned image in the cluster (2.11) and Debian's `caddy` (2.6) that the
 * tests run. Where newer Caddy offers another spelling we use the one both accept and say so:
 * - client CAs as `trusted_ca_certs_pem_files` (2.8 added the `ca` module form; 2.6 knows only this one);
 * - access logs through the server's `logs: {}` and the default logger's JSON encoder (no `logger_names`, which
 *   2.6 lacks);
 * - request metrics through the server's `metrics: {}` (2.8 moved them to the http app, which 2.6 rejects).
 */
import { sortedJson } from '../lib/sorted-json';

/** Where the TLS material is mounted (or, in tests, written). */
export interface CaddyTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Client CA bundles: with any, clients must present a certificate that one of them signed. @default - no client certificate asked */
  readonly clientCaFiles?: readonly string[];
}

export interface CaddyConfigOptions {
  /** Public listener, e.g. `:8443`. */
  readonly listen: string;
  /** The gateway, `host:port`. */
  readonly upstream: string;
  /** TLS. @default - plain HTTP (dev only) */
  readonly tls?: CaddyTlsFiles;
  /** Host names to answer for; any when empty. @default [] */
  readonly hostnames?: readonly string[];
  /** Internal listener for `/healthz` and `/metrics`, e.g. `:9180`. */
  readonly internalListen: string;
  /**
   * Path of a Unix socket for the admin API, so that the reload sidecar can make Caddy re-read its certificate
   * and client CA files (no TCP port). @default - the admin API is off
   */
  readonly adminSocket?: string;
}

/** The tag that ties the loaded certificate to the connection policy. */
const CERT_TAG = 'edge';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Caddy JSON for the edge: TLS (optionally mTLS, TLS 1.2 at least) in front of the gateway. */
export function caddyConfig(o: CaddyConfigOptions): { [key: string]: Json } {
  const mtls = (o.tls?.clientCaFiles?.length ?? 0) > 0;
  const proxy: { [key: string]: Json } = {
    handler: 'reverse_proxy',
    upstreams: [{ dial: o.upstream }],
    // Stream tokens as they come (server-sent events).
    flush_interval: -1,
    ...(mtls
      ? {
          // The gateway may log which client certificate called; set (not appended) so a client cannot forge it.
          headers: { request: { set: { 'X-Client-Cert-Subject': ['{http.request.tls.client.subject}'] } } },
        }
      : {}),
  };
  const route: { [key: string]: Json } = {
    ...(o.hostnames && o.hostnames.length > 0 ? { match: [{ host: [...o.hostnames] }] } : {}),
    handle: [proxy],
    terminal: true,
  };
  const edge: { [key: string]: Json } = {
    listen: [o.listen],
    routes: [route],
    logs: {},
    automatic_https: { disable: true },
    // Request metrics (caddy_http_*). Server-level: the only form 2.6 knows; 2.8+ accept it (deprecated, with a
    // warning) and turn on the app-level `metrics`, which 2.6 rejects.
    metrics: {},
  };
  if (o.tls) {
    edge.tls_connection_policies = [
      {
        certificate_selection: { any_tag: [CERT_TAG] },
        protocol_min: 'tls1.2',
        ...(mtls
          ? { client_authentication: { mode: 'require_and_verify', trusted_ca_certs_pem_files: [...o.tls.clientCaFiles!] } }
          : {}),
      },
    ];
  }
  const config: { [key: string]: Json } = {
    // The config itself changes only by rolling the pods. The admin API exists only to re-load the same config
    // when the mounted certificate or client CA changes, on a Unix socket in a pod-private directory.
    admin: o.adminSocket ? { listen: `unix/${o.adminSocket}`, config: { persist: false } } : { disabled: true },
    logging: { logs: { default: { encoder: { format: 'json' }, level: 'INFO' } } },
    apps: {
      http: {
        servers: {
          edge,
          internal: {
            listen: [o.internalListen],
            automatic_https: { disable: true },
            routes: [
              { match: [{ path: ['/healthz'] }], handle: [{ handler: 'static_response', status_code: 200, body: 'ok' }], terminal: true },
              { match: [{ path: ['/metrics'] }], handle: [{ handler: 'metrics' }], terminal: true },
            ],
          },
        },
      },
      ...(o.tls ? { tls: { certificates: { load_files: [{ certificate: o.tls.certFile, key: o.tls.keyFile, tags: [CERT_TAG] }] } } } : {}),
    },
  };
  return config;
}

/** The config as the bytes written to the ConfigMap: keys sorted, so the same options give the same text. */
export function caddyConfigText(o: CaddyConfigOptions): string {
  return sortedJson(caddyConfig(o));
}

/**
 * The reload sidecar's loop (POSIX sh; busybox in the Alpine image): every RELOAD_INTERVAL_SECONDS, the SHA-256 of
 * the files in RELOAD_WATCH (followed through the Secret volume's symlinks); when it changes, `caddy reload
 * --force` re-posts RELOAD_CONFIG to the admin API named in it, so Caddy re-reads the certificate and CA files.
 * A failed reload (Caddy keeps the running config) is retried on the next turn. Each turn touches RELOAD_HEARTBEAT
 * (the liveness probe checks it is fresh). No dollar-brace or percent-brace in it: Terraform would read those as templates.
 */
export const CADDY_RELOAD_SCRIPT = `set -u
digest() { cat $RELOAD_WATCH 2>/dev/null | sha256sum; }
loaded=$(digest)
echo "watching $RELOAD_WATCH every $RELOAD_INTERVAL_SECONDS seconds"
touch "$RELOAD_HEARTBEAT"
while sleep "$RELOAD_INTERVAL_SECONDS"; do
  touch "$RELOAD_HEARTBEAT"
  now=$(digest)
  [ "$now" = "$loaded" ] && continue
  echo "changed: reloading $RELOAD_CONFIG"
  if caddy reload --config "$RELOAD_CONFIG" --force; then loaded=$now; else echo "reload failed; retrying"; fi
done
`;

/** The files a config reads at load time and must re-read when they change: certificates, keys, client CAs. */
export function caddyWatchedFiles(o: CaddyConfigOptions): string[] {
  return o.tls ? [o.tls.certFile, o.tls.keyFile, ...(o.tls.clientCaFiles ?? [])] : [];
}
