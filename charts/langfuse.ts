/**
 * Typed values for Langfuse's chart (pinned in `CHARTS.langfuse`, 2.0.0, app 4.4.0): the web and worker
 * Deployments and the datastores the chart deploys itself, each with declared storage: Postgres (groundhog2k
 * postgres subchart), Valkey (valkey-io subchart), SeaweedFS as the S3 blob store (seaweedfs subchart, all-in-one)
 * and ClickHouse (a ClickHouseCluster and KeeperCluster the ClickHouse operator runs).
 *
 * Every credential comes from existing Secrets, never from a value: the chart would otherwise generate them with
 * `lookup` at render time (its templates/langfuse-app-secret.yaml), and a renderer without cluster access
 * regenerates them on every plan. Losing the salt or the encryption key is unrecoverable (the chart's own words).
 */
import { restrictedContainerSecurity, restrictedPodSecurity } from './pod-security';

/** The web Service's port (values `langfuse.web.service.port`; the app listens on 3000). */
export const LANGFUSE_WEB_PORT = 3000;
/** The app version of the pinned chart (its appVersion), written out so the image tag is pinned here, not by default. */
export const LANGFUSE_VERSION = '4.4.0';
/** Postgres: the postgres subchart's appVersion (the Langfuse chart's own default is the floating major tag "18"). */
export const LANGFUSE_POSTGRES_TAG = '18.3';
/**
 * The datastores' images at exact releases: the chart's defaults are moving tags (valkey "8.0", ClickHouse "26.4").
 * Valkey 8.0.2 is a release of the chart's 8.0 line; ClickHouse 26.3.33.24 is a build of the 26.3 LTS line (server
 * and keeper share builds; Langfuse v4 needs ClickHouse 24.3 or newer); SeaweedFS "3.95" and Postgres "18.3" are
 * exact releases already.
 */
export const LANGFUSE_DATASTORE_TAGS = { valkey: '8.0.2', clickhouse: '26.3.33.24', seaweedfs: '3.95' } as const;
/** The Langfuse images run as this numeric user (their Dockerfiles' `USER nextjs`/`expressjs`, UID 1001). */
export const LANGFUSE_UID = 1001;

/**
 * The keys of the credentials Secret (`LangfuseValuesOptions.credentialsSecret`), what each holds and which
 * template reads it. Postgres's keys are the ones the postgres subchart reads (USERDB_*, POSTGRES_PASSWORD), Valkey's
 * is the user name (`default`).
 */
export const LANGFUSE_CREDENTIAL_KEYS = {
  salt: { key: 'salt', what: 'SALT: hashes the API keys; never change it (random, e.g. openssl rand -base64 32)' },
  encryptionKey: { key: 'encryption-key', what: 'ENCRYPTION_KEY: 64 hex characters (openssl rand -hex 32); never change it' },
  nextauthSecret: { key: 'nextauth-secret', what: 'NEXTAUTH_SECRET: signs the UI sessions (openssl rand -base64 32)' },
  postgresSuperuserPassword: { key: 'POSTGRES_PASSWORD', what: "Postgres superuser password (the postgres subchart's settings.existingSecret)" },
  postgresUser: { key: 'USERDB_USER', what: 'Postgres user of Langfuse: must be "langfuse"' },
  postgresPassword: { key: 'USERDB_PASSWORD', what: 'Postgres password of the langfuse user' },
  postgresDatabase: { key: 'POSTGRES_DB', what: 'Postgres database of Langfuse: must be "langfuse"' },
  redisPassword: { key: 'default', what: 'Valkey password of the "default" user' },
  clickhousePassword: { key: 'clickhouse-password', what: 'ClickHouse default user password' },
  s3AccessKeyId: { key: 's3-access-key-id', what: 'S3 (SeaweedFS) access key id: the same as in the S3 config Secret' },
  s3SecretAccessKey: { key: 's3-secret-access-key', what: 'S3 (SeaweedFS) secret access key: the same as in the S3 config Secret' },
  projectPublicKey: { key: 'project-public-key', what: 'Public key of the project created at start (pk-lf-...): the gateway uses the same' },
  projectSecretKey: { key: 'project-secret-key', what: 'Secret key of the project created at start (sk-lf-...): the gateway uses the same' },
  adminEmail: { key: 'admin-email', what: 'E-mail of the UI admin created at start (sign-up is off): the login' },
  adminPassword: { key: 'admin-password', what: 'Password of the UI admin created at start' },
} as const;

/** The key SeaweedFS reads its S3 identities from (mounted at /etc/sw/s3, `-s3.config=/etc/sw/s3/seaweedfs_s3_config`). */
export const SEAWEEDFS_S3_CONFIG_KEY = 'seaweedfs_s3_config';

/** Names Langfuse's headless initialization gives the organization and project it creates (LANGFUSE_INIT_*). */
export const LANGFUSE_INIT = { orgId: 'inference-stack', orgName: 'Inference Stack', projectId: 'gateway', projectName: 'LLM gateway' } as const;

export interface LangfuseStorage {
  readonly postgresGiB: number;
  readonly clickhouseGiB: number;
  readonly keeperGiB: number;
  readonly redisGiB: number;
  readonly s3GiB: number;
}

export interface LangfuseValuesOptions {
  /** Existing Secret in the release namespace with LANGFUSE_CREDENTIAL_KEYS. */
  readonly credentialsSecret: string;
  /** Existing Secret with SeaweedFS's S3 identities JSON under SEAWEEDFS_S3_CONFIG_KEY (mounted whole into SeaweedFS). */
  readonly s3ConfigSecret: string;
  /** The UI's public URL (NEXTAUTH_URL); the in-cluster web address when there is no ingress. */
  readonly nextauthUrl: string;
  readonly storage: LangfuseStorage;
  readonly storageClass?: string;
  /** ClickHouse server replicas (the keeper runs 3 for a quorum when > 1, else 1). */
  readonly clickhouseReplicas: number;
  readonly webReplicas: number;
}

/** ClickHouse Keeper replicas: a quorum of 3 when ClickHouse is replicated, else 1. */
export const keeperReplicas = (clickhouseReplicas: number): number => (clickhouseReplicas > 1 ? 3 : 1);

/**
 * Estimate of the volumes an in-cluster Langfuse claims, in GiB: Postgres + Valkey + SeaweedFS + ClickHouse x its
 * replicas + Keeper x its replicas (each replica claims its own volume). The README shows the formula.
 */
export function langfuseStorageGiB(storage: LangfuseStorage, clickhouseReplicas: number): number {
  return storage.postgresGiB + storage.redisGiB + storage.s3GiB + storage.clickhouseGiB * clickhouseReplicas + storage.keeperGiB * keeperReplicas(clickhouseReplicas);
}

const ref = (secret: string, key: string) => ({ secretKeyRef: { key, name: secret } });
const envFromSecret = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { key, name: secret } } });
const restricted = (user: number, group: number) => restrictedContainerSecurity({ runAs: { user, group } });

/** Sorts object keys at every level (lists keep their order), so the values are written the same every time. */
function sorted<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sorted) as T;
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) as T;
  return v;
}

export function langfuseValues(o: LangfuseValuesOptions): Record<string, unknown> {
  const c = o.credentialsSecret;
  const K = LANGFUSE_CREDENTIAL_KEYS;
  const className = o.storageClass ?? '';
  return sorted({
    langfuse: {
      salt: ref(c, K.salt.key),
      encryptionKey: ref(c, K.encryptionKey.key),
      nextauth: { url: o.nextauthUrl, secret: ref(c, K.nextauthSecret.key) },
      // no anonymous telemetry leaves the cluster; users are created by the admin, not by sign-up
      features: { signUpDisabled: true, telemetryEnabled: false },
      logging: { format: 'json' },
      image: { pullPolicy: 'IfNotPresent', tag: LANGFUSE_VERSION },
      // Langfuse does not call the Kubernetes API
      serviceAccount: { automountServiceAccountToken: false },
      podSecurityContext: restrictedPodSecurity({ runAsUser: LANGFUSE_UID, runAsGroup: LANGFUSE_UID, fsGroup: LANGFUSE_UID }),
      securityContext: restricted(LANGFUSE_UID, LANGFUSE_UID),
      // Headless initialization (LANGFUSE_INIT_*): the web container creates the organization and the project with
      // the gateway's keys at start when they do not exist yet.
      additionalEnv: [
        { name: 'LANGFUSE_INIT_ORG_ID', value: LANGFUSE_INIT.orgId },
        { name: 'LANGFUSE_INIT_ORG_NAME', value: LANGFUSE_INIT.orgName },
        { name: 'LANGFUSE_INIT_PROJECT_ID', value: LANGFUSE_INIT.projectId },
        { name: 'LANGFUSE_INIT_PROJECT_NAME', value: LANGFUSE_INIT.projectName },
        envFromSecret('LANGFUSE_INIT_PROJECT_PUBLIC_KEY', c, K.projectPublicKey.key),
        envFromSecret('LANGFUSE_INIT_PROJECT_SECRET_KEY', c, K.projectSecretKey.key),
        // sign-up is off: the one admin who can log in and invite others (the org's owner)
        envFromSecret('LANGFUSE_INIT_USER_EMAIL', c, K.adminEmail.key),
        { name: 'LANGFUSE_INIT_USER_NAME', value: 'Admin' },
        envFromSecret('LANGFUSE_INIT_USER_PASSWORD', c, K.adminPassword.key),
      ],
      web: { replicas: o.webReplicas, resources: { limits: { memory: '2Gi' }, requests: { cpu: '500m', memory: '1Gi' } } },
      worker: { replicas: 1, resources: { limits: { memory: '2Gi' }, requests: { cpu: '500m', memory: '1Gi' } } },
    },
    postgresql: {
      deploy: true,
      image: { tag: LANGFUSE_POSTGRES_TAG },
      auth: { existingSecret: c, secretKeys: { userPasswordKey: K.postgresPassword.key }, username: 'langfuse', database: 'langfuse' },
      settings: { existingSecret: c },
      userDatabase: { existingSecret: c },
      storage: { className, requestedSize: `${o.storage.postgresGiB}Gi` },
      podSecurityContext: restrictedPodSecurity({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 }),
      securityContext: restricted(999, 999),
    },
    redis: {
      deploy: true,
      auth: { existingSecret: c, existingSecretPasswordKey: K.redisPassword.key, usersExistingSecret: c },
      dataStorage: { className, enabled: true, requestedSize: `${o.storage.redisGiB}Gi` },
      image: { tag: LANGFUSE_DATASTORE_TAGS.valkey },
      podSecurityContext: restrictedPodSecurity({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }),
      securityContext: restricted(1000, 1000),
    },
    clickhouse: {
      deploy: true,
      auth: { existingSecret: c, existingSecretKey: K.clickhousePassword.key },
      cluster: { image: { tag: LANGFUSE_DATASTORE_TAGS.clickhouse }, replicas: o.clickhouseReplicas, storage: { className, size: `${o.storage.clickhouseGiB}Gi` } },
      keeper: { image: { tag: LANGFUSE_DATASTORE_TAGS.clickhouse }, replicas: keeperReplicas(o.clickhouseReplicas), storage: { className, size: `${o.storage.keeperGiB}Gi` } },
    },
    s3: {
      deploy: true,
      accessKeyId: ref(c, K.s3AccessKeyId.key),
      secretAccessKey: ref(c, K.s3SecretAccessKey.key),
      auth: { existingSecret: c, rootUserSecretKey: K.s3AccessKeyId.key, rootPasswordSecretKey: K.s3SecretAccessKey.key },
      allInOne: {
        s3: { existingConfigSecret: o.s3ConfigSecret },
        data: { size: `${o.storage.s3GiB}Gi`, storageClass: className },
        image: { tag: LANGFUSE_DATASTORE_TAGS.seaweedfs },
        podSecurityContext: { enabled: true, ...restrictedPodSecurity({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }) },
        containerSecurityContext: { enabled: true, ...restricted(1000, 1000) },
      },
    },
  });
}
