/**
 * Runtime facts of every image we pin (catalog/images.ts and the image pins in charts' values), as far as they decide
 * whether a pod can run the image under its namespace's Pod Security level: the image USER, file capabilities,
 * ports below 1024, the paths it writes, and whether it runs as non-root at all.
 *
 * Extracted from shared/upstream/images.json (read statically from each image's build files; nothing was pulled or
 * run). Every fact names its source (repo, path, ref, commit, lines, or an issue); `inferred: true` where
 * images.json marks the fact inferred. test/policy/image-compat.test.ts checks this table against images.json and
 * every pod we render against this table.
 *
 * Images not recorded (not in images.json): the operators' own images that their charts run with the charts'
 * default security contexts (lws, keda, cert-manager, cloudnative-pg, kube-prometheus-stack).
 */

/** A fact and where it was read. */
export interface Sourced<T> {
  readonly value: T;
  /** `owner/repo path@ref (commit) lines`, or an issue URL. */
  readonly source: string;
  /** Not read from a file: a library default, a third-party report, or a deduction (images.json says so). */
  readonly inferred?: true;
}

export interface ImageUser {
  /** The final USER as written; `root` when no stage of the final image sets one. */
  readonly asWritten: string;
  readonly uid: number;
  readonly gid: number;
  /** Only a numeric USER lets the kubelet verify `runAsNonRoot: true` without a `runAsUser`. */
  readonly numeric: boolean;
}

export interface WritablePath {
  /** As images.json writes it; `$HOME/...` is under the process's HOME. */
  readonly path: string;
  /**
   * `always`: the image's own program fails without it (images.json `when`/`ifNotWritable`); `conditional`: only
   * with some option, or the failure is only logged.
   */
  readonly needed: 'always' | 'conditional';
  /** Environment variables or flags that move it (first set wins), with the suffix appended to their value. */
  readonly relocatedBy?: ReadonlyArray<{ readonly env?: string; readonly flag?: string; readonly suffix?: string }>;
  readonly inferred?: true;
}

export interface ImageFacts {
  /** The image reference as we pin it. */
  readonly reference: string;
  /** Other references of the same build (TEI's per-architecture tags). */
  readonly sameBuild?: readonly string[];
  /** The key of the entry in shared/upstream/images.json. */
  readonly upstreamKey: string;
  /** `userOnly`: privileged NVIDIA operands, for which only the USER was recorded. */
  readonly scope: 'full' | 'userOnly';
  readonly user: Sourced<ImageUser>;
  /** Capabilities set on the image's binaries (setcap), as Kubernetes names them (`NET_BIND_SERVICE`). */
  readonly fileCapabilities: Sourced<ReadonlyArray<{ readonly path: string; readonly capability: string }>>;
  /** Ports the image listens on by default that are below 1024. */
  readonly portsBelow1024: Sourced<readonly number[]>;
  /** How a pod moves the default port (TEI/TGI read `--port` or the image's `PORT=80`); absent: a config file decides. */
  readonly portOverride?: { readonly env: string; readonly flag: string };
  /** The executables that are the image's own program: a container whose command runs anything else (psql, a script) needs none of its writable paths. */
  readonly programs: readonly string[];
  /** HOME set by the image (ENV), if any; otherwise HOME comes from /etc/passwd, or `/` for an unknown UID. */
  readonly home?: Sourced<string>;
  readonly writablePaths: Sourced<readonly WritablePath[]>;
  /** Whether the image runs as a non-root UID at all; the UID to run as when only one works; why. */
  readonly nonRoot: Sourced<{ readonly runs: boolean; readonly runAsUser?: number; readonly why: string }>;
}

const TEI_ARCH_TAGS = ['turing-1.9.3', '1.9.3', '86-1.9.3', '89-1.9.3', 'hopper-1.9.3', '100-1.9.3', '120-1.9.3', 'cuda-1.9.3'].map((t) => `ghcr.io/huggingface/text-embeddings-inference:${t}`);

const CADDY_DOCKERFILE = 'caddyserver/caddy-docker 2.11/alpine/Dockerfile@v2.11.4 (0379cde2647584e89fa3a7e9a587b3d25845f49c)';
const LITELLM = 'BerriAI/litellm (fork CartoDB/litellm) @v1.81.9-stable (a09d3e9162ebd7b436a68e92c2b9b6c070fa72d8)';
const CNPG_PG = 'cloudnative-pg/postgres-containers Debian/17/bullseye/Dockerfile (3ea082111ebcf1e8296bbaf31de1ead00c527257)';
const CNPG = 'cloudnative-pg/cloudnative-pg pkg/specs@v1.30.0 (4b5e244a7d031f67e025c83c1555e7726ecbbfa1)';
const TEI = 'huggingface/text-embeddings-inference @v1.9.3 (06670157fb6c1523482219bdb2d1660277d38088)';
const TGI = 'huggingface/text-generation-inference @v3.3.7 (dfb3fbe78e0d1d69251bd33065591c61bafdfaa8)';
const VLLM = 'vllm-project/vllm docker/Dockerfile@main (6adad08767583f52eb4d2122111af0bf638ed5e6; v0.27.1 unreadable)';
const QDRANT = 'qdrant/qdrant @v1.19.0 (74f3e85b9473c62560006c043e13737ce6b48412)';
const PYTHON = 'docker-library/python 3.12/slim-bookworm/Dockerfile@3.12.8 (393cf61945ea74aabbd125802b5668d51e949280)';
const OLLAMA = 'ollama/ollama @v0.32.15 (b7871fc0d1d82fe109536efa3e0e8e411c766c75)';
const PRESIDIO = 'microsoft/presidio (data-privacy-stack/presidio) @2.2.363 (5c0ac333534955601f0649cff3e323ca5d5d7345)';

/** Presidio's analyzer and anonymizer: the same user, port and writable paths (their Dockerfiles and entrypoint.sh). */
const presidio = (role: 'analyzer' | 'anonymizer', userLine: number): ImageFacts => ({
  reference: `ghcr.io/data-privacy-stack/presidio-${role}:2.2.363`,
  programs: ['./entrypoint.sh', 'poetry', 'gunicorn'],
  upstreamKey: `ghcr.io/data-privacy-stack/presidio-${role}:2.2.363`,
  scope: 'full',
  user: { value: { asWritten: '1001', uid: 1001, gid: 1001, numeric: true }, source: `${PRESIDIO} presidio-${role}/Dockerfile L${userLine} USER 1001 (useradd -m -u 1001 presidio; GID inferred)` },
  fileCapabilities: none(`${PRESIDIO} presidio-${role}/Dockerfile: no setcap`),
  portsBelow1024: none(`${PRESIDIO} presidio-${role}/Dockerfile ENV PORT=3000, EXPOSE \${PORT}`),
  writablePaths: {
    value: [
      { path: '/tmp', needed: 'always', inferred: true },
      { path: '/home/presidio (HOME)', needed: 'conditional', inferred: true },
    ],
    source: `${PRESIDIO} presidio-${role}/entrypoint.sh L2 (gunicorn without worker_tmp_dir; poetry run)`,
  },
  nonRoot: { value: { runs: true, runAsUser: 1001, why: 'USER 1001; another UID has HOME=/ (no passwd entry)' }, source: `${PRESIDIO} presidio-${role}/Dockerfile`, inferred: true },
});
const FLUENT_BIT = 'fluent/fluent-bit dockerfiles/Dockerfile@v5.1.1 (6315162a8d4b1ef42b038834e639697f8cb44912)';

const none = <T>(source: string): Sourced<readonly T[]> => ({ value: [], source });

export const IMAGE_FACTS: readonly ImageFacts[] = [
  {
    reference: 'cr.fluentbit.io/fluent/fluent-bit:5.1.1',
    programs: ['/fluent-bit/bin/fluent-bit'],
    upstreamKey: 'cr.fluentbit.io/fluent/fluent-bit:5.1.1',
    scope: 'full',
    user: { value: { asWritten: 'root', uid: 0, gid: 0, numeric: false }, source: `${FLUENT_BIT} L186 production stage FROM gcr.io/distroless/cc-debian13: no USER line` },
    fileCapabilities: none(`${FLUENT_BIT}: no setcap`),
    portsBelow1024: none(`${FLUENT_BIT} L211 EXPOSE 2020`),
    writablePaths: {
      value: [{ path: '(none by default)', needed: 'conditional' }],
      source: `${FLUENT_BIT}: the pipeline buffers in memory; a tail db or storage.path is written only where configured (ours: a hostPath)`,
    },
    nonRoot: {
      value: { runs: true, why: 'the binary runs under any UID; as a node log collector it reads root-owned container logs, so the shipper runs as root without capabilities' },
      source: `${FLUENT_BIT}: static paths, no file capabilities`,
      inferred: true,
    },
  },
  {
    reference: 'caddy:2.11.4-alpine',
    programs: ['caddy', '/usr/bin/caddy'],
    upstreamKey: 'caddy:2.11.4-alpine',
    scope: 'full',
    user: { value: { asWritten: 'root', uid: 0, gid: 0, numeric: false }, source: `${CADDY_DOCKERFILE}: no USER line` },
    fileCapabilities: {
      value: [{ path: '/usr/bin/caddy', capability: 'NET_BIND_SERVICE' }],
      source: `${CADDY_DOCKERFILE} L39 setcap cap_net_bind_service=+ep; https://github.com/caddyserver/caddy-docker/issues/396 (EPERM under drop ALL)`,
    },
    portsBelow1024: { value: [80, 443], source: `${CADDY_DOCKERFILE} L56-59 EXPOSE (the project's Caddyfile decides)` },
    writablePaths: {
      value: [
        { path: '/data/caddy', needed: 'always', relocatedBy: [{ env: 'XDG_DATA_HOME', suffix: '/caddy' }] },
        { path: '/config/caddy', needed: 'conditional', relocatedBy: [{ env: 'XDG_CONFIG_HOME', suffix: '/caddy' }] },
      ],
      source: 'caddyserver/caddy storage.go L86-87,122-123 and caddy.go L918-941 @v2.11.4 (e2eee6a7fce366321294c9c2a79f3146891dcbdf)',
    },
    nonRoot: { value: { runs: true, why: 'any UID; /data and /config are mode 1777; only the file capability needs NET_BIND_SERVICE kept' }, source: 'caddyserver/caddy-docker #441 (272e3f8bf40120000fbd9deb4a9003892a8e7c5e)' },
  },
  {
    reference: 'ghcr.io/berriai/litellm-non_root:main-v1.81.9-stable',
    programs: ['/app/docker/prod_entrypoint.sh', 'litellm'],
    upstreamKey: 'ghcr.io/berriai/litellm-non_root:main-v1.81.9-stable',
    scope: 'full',
    user: { value: { asWritten: 'nobody', uid: 65534, gid: 65534, numeric: false }, source: `${LITELLM} docker/Dockerfile.non_root L180 USER nobody; wolfi-dev/os etc/passwd (02f5268375f5aeead4631ea4037c911c152ee8de)` },
    fileCapabilities: none(`${LITELLM} docker/Dockerfile.non_root: no setcap`),
    portsBelow1024: none(`${LITELLM} docker/Dockerfile.non_root L193 EXPOSE 4000/tcp`),
    home: { value: '/app', source: `${LITELLM} docker/Dockerfile.non_root L130-134 ENV HOME` },
    writablePaths: {
      value: [
        { path: '/app/.cache', needed: 'conditional', inferred: true },
        { path: '<site-packages>/litellm_proxy_extras/migrations (or $LITELLM_MIGRATION_DIR)', needed: 'conditional' },
        { path: '<site-packages>/prisma', needed: 'conditional' },
        { path: '/var/lib/litellm/ui', needed: 'conditional' },
        { path: '/tmp', needed: 'conditional', inferred: true },
      ],
      source: `${LITELLM} litellm-proxy-extras/litellm_proxy_extras/utils.py L66-80,270; https://github.com/BerriAI/litellm/issues/13369`,
    },
    nonRoot: {
      value: { runs: true, runAsUser: 65534, why: 'USER is the name nobody: runAsNonRoot needs a numeric runAsUser; only 65534 owns /app, so other UIDs cannot run the Prisma migrations' },
      source: `${LITELLM} docker/Dockerfile.non_root L158-176 (chown nobody, g+rX only)`,
    },
  },
  {
    reference: 'ghcr.io/cloudnative-pg/postgresql:17.5',
    programs: ['postgres', '/controller/manager'],
    upstreamKey: 'ghcr.io/cloudnative-pg/postgresql:17.5',
    scope: 'full',
    user: { value: { asWritten: '26', uid: 26, gid: 999, numeric: true }, source: `${CNPG_PG}: USER 26` },
    fileCapabilities: none(`${CNPG_PG}: no setcap`),
    portsBelow1024: none(`${CNPG_PG}: EXPOSE 5432; ${CNPG}`),
    writablePaths: {
      value: [
        { path: '/var/lib/postgresql/data', needed: 'always' },
        { path: '/var/lib/postgresql/wal', needed: 'conditional' },
        { path: '/run', needed: 'always' },
        { path: '/controller', needed: 'always' },
        { path: '/dev/shm', needed: 'always' },
      ],
      source: `${CNPG} (the operator renders the instance pods and mounts these)`,
    },
    nonRoot: { value: { runs: true, runAsUser: 26, why: 'built for UID 26; the CNPG operator renders its pods' }, source: CNPG },
  },
  {
    reference: 'ghcr.io/huggingface/text-embeddings-inference:<arch>-1.9.3',
    programs: ['./entrypoint.sh', 'text-embeddings-router'],
    sameBuild: TEI_ARCH_TAGS,
    upstreamKey: 'ghcr.io/huggingface/text-embeddings-inference:<arch>-1.9.3',
    scope: 'full',
    user: { value: { asWritten: 'root', uid: 0, gid: 0, numeric: false }, source: `${TEI} Dockerfile-cuda, Dockerfile-cuda-all: no USER line` },
    fileCapabilities: none(`${TEI} Dockerfile-cuda: no setcap`),
    portsBelow1024: { value: [80], source: `${TEI} Dockerfile-cuda ENV PORT=80 (read by router --port)` },
    portOverride: { env: 'PORT', flag: '--port' },
    writablePaths: {
      value: [
        { path: '/data', needed: 'always', relocatedBy: [{ flag: '--huggingface-hub-cache' }, { env: 'HUGGINGFACE_HUB_CACHE' }] },
        { path: '/tmp', needed: 'conditional', inferred: true },
      ],
      source: `${TEI} Dockerfile-cuda ENV HUGGINGFACE_HUB_CACHE=/data; router/src/main.rs`,
    },
    nonRoot: { value: { runs: true, why: 'any UID once /data is writable and the port is >= 1024' }, source: `${TEI} Dockerfile-cuda, router/src/main.rs`, inferred: true },
  },
  {
    reference: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.9.3',
    programs: ['text-embeddings-router'],
    upstreamKey: 'ghcr.io/huggingface/text-embeddings-inference:cpu-1.9.3',
    scope: 'full',
    user: { value: { asWritten: 'root', uid: 0, gid: 0, numeric: false }, source: `${TEI} Dockerfile: no USER line` },
    fileCapabilities: none(`${TEI} Dockerfile: no setcap`),
    portsBelow1024: { value: [80], source: `${TEI} Dockerfile ENV PORT=80 (read by router --port)` },
    portOverride: { env: 'PORT', flag: '--port' },
    writablePaths: {
      value: [
        { path: '/data', needed: 'always', relocatedBy: [{ flag: '--huggingface-hub-cache' }, { env: 'HUGGINGFACE_HUB_CACHE' }] },
        { path: '/tmp', needed: 'conditional', inferred: true },
      ],
      source: `${TEI} Dockerfile ENV HUGGINGFACE_HUB_CACHE=/data; router/src/main.rs`,
    },
    nonRoot: { value: { runs: true, why: 'any UID once /data is writable and the port is >= 1024' }, source: `${TEI} Dockerfile, router/src/main.rs`, inferred: true },
  },
  {
    reference: 'ghcr.io/huggingface/text-generation-inference:3.3.7',
    programs: ['/tgi-entrypoint.sh', 'text-generation-launcher'],
    upstreamKey: 'ghcr.io/huggingface/text-generation-inference:3.3.7',
    scope: 'full',
    user: { value: { asWritten: 'root', uid: 0, gid: 0, numeric: false }, source: `${TGI} Dockerfile: no USER line` },
    fileCapabilities: none(`${TGI} Dockerfile: no setcap`),
    portsBelow1024: { value: [80], source: `${TGI} Dockerfile ENV PORT=80 (read by launcher --port)` },
    portOverride: { env: 'PORT', flag: '--port' },
    writablePaths: {
      value: [
        { path: '/data', needed: 'always', relocatedBy: [{ env: 'HF_HOME' }] },
        { path: '/tmp', needed: 'always' },
        { path: '/dev/shm', needed: 'conditional', inferred: true },
        { path: '/etc/ld.so.cache', needed: 'always' },
        { path: '/kernels', needed: 'conditional', inferred: true, relocatedBy: [{ env: 'HF_KERNELS_CACHE' }] },
      ],
      source: `${TGI} Dockerfile, tgi-entrypoint.sh (ldconfig), launcher/src/main.rs (--shard-uds-path)`,
    },
    nonRoot: {
      value: { runs: false, why: 'Python is installed under /root/.local/share/uv (owner-only): any non-root UID fails loading libpython3.11.so.1.0' },
      source: `${TGI} Dockerfile; https://github.com/huggingface/text-generation-inference/issues/3082 (open)`,
    },
  },
  {
    reference: 'vllm/vllm-openai:v0.27.1',
    programs: ['vllm'],
    upstreamKey: 'vllm/vllm-openai:v0.27.1',
    scope: 'full',
    user: { value: { asWritten: 'root', uid: 0, gid: 0, numeric: false }, source: `${VLLM}: no USER in the vllm-openai target (user vllm 2000:0 exists)` },
    fileCapabilities: none(`${VLLM}: no setcap`),
    portsBelow1024: none('vllm-project/vllm vllm/entrypoints/openai/cli_args.py (6adad08767583f52eb4d2122111af0bf638ed5e6): --port 8000'),
    writablePaths: {
      value: [
        { path: '$HOME/.cache/huggingface', needed: 'always', relocatedBy: [{ env: 'HF_HOME' }, { env: 'XDG_CACHE_HOME', suffix: '/huggingface' }] },
        { path: '$HOME/.cache/vllm', needed: 'always', relocatedBy: [{ env: 'VLLM_CACHE_ROOT' }, { env: 'XDG_CACHE_HOME', suffix: '/vllm' }] },
        { path: '$HOME/.config/vllm', needed: 'conditional', inferred: true, relocatedBy: [{ env: 'VLLM_CONFIG_ROOT' }] },
        { path: '$HOME/.triton', needed: 'conditional', inferred: true, relocatedBy: [{ env: 'TRITON_CACHE_DIR' }] },
        { path: '/tmp', needed: 'conditional', inferred: true },
        { path: '/dev/shm', needed: 'conditional', inferred: true },
      ],
      source: `${VLLM}; vllm/usage/usage_lib.py; shared/upstream/flags/vllm-image-main-6adad087.json`,
    },
    nonRoot: { value: { runs: true, runAsUser: 2000, why: 'user vllm (2000, GID 0, HOME /home/vllm); other UIDs need HOME or the cache variables on writable paths' }, source: VLLM },
  },
  {
    reference: 'docker.io/qdrant/qdrant:v1.19.0-unprivileged',
    programs: ['./entrypoint.sh', './qdrant', '/qdrant/qdrant'],
    upstreamKey: 'docker.io/qdrant/qdrant:v1.19.0-unprivileged',
    scope: 'full',
    user: { value: { asWritten: '1000:1000', uid: 1000, gid: 1000, numeric: true }, source: `${QDRANT} Dockerfile USER "$USER_ID:$USER_ID", .github/workflows/docker-image.yml USER_ID=1000` },
    fileCapabilities: none(`${QDRANT} Dockerfile: no setcap`),
    portsBelow1024: none(`${QDRANT} config/config.yaml L330,335,411: 6333, 6334, 6335`),
    writablePaths: {
      value: [
        { path: '/qdrant/storage', needed: 'always' },
        { path: '/qdrant/snapshots', needed: 'conditional' },
        { path: '/qdrant/.qdrant-initialized', needed: 'conditional', relocatedBy: [{ env: 'QDRANT_INIT_FILE_PATH' }] },
      ],
      source: `${QDRANT} config/config.yaml L19,22; src/startup.rs`,
    },
    nonRoot: { value: { runs: true, runAsUser: 1000, why: 'USER 1000:1000' }, source: `${QDRANT} Dockerfile` },
  },
  presidio('analyzer', 45),
  presidio('anonymizer', 24),
  {
    reference: 'python:3.12.8-slim-bookworm',
    programs: ['python3'],
    upstreamKey: 'python:3.12.8-slim-bookworm',
    scope: 'full',
    user: { value: { asWritten: 'root', uid: 0, gid: 0, numeric: false }, source: `${PYTHON}: no USER line` },
    fileCapabilities: none(`${PYTHON}: no setcap`),
    portsBelow1024: none(`${PYTHON}: no EXPOSE`),
    writablePaths: {
      value: [
        { path: '/tmp', needed: 'conditional', inferred: true },
        { path: '$HOME/.cache (HOME=/ for UIDs without a passwd entry)', needed: 'conditional', inferred: true },
        { path: '/usr/local/lib/python3.12/site-packages', needed: 'conditional', inferred: true },
      ],
      source: `${PYTHON} (library defaults)`,
      inferred: true,
    },
    nonRoot: { value: { runs: true, why: 'stdlib is world-readable under /usr/local: any numeric runAsUser' }, source: PYTHON, inferred: true },
  },
  {
    reference: 'ollama/ollama:0.32.15',
    programs: ['/bin/ollama', 'ollama'],
    upstreamKey: 'ollama/ollama:0.32.15',
    scope: 'full',
    user: { value: { asWritten: 'root', uid: 0, gid: 0, numeric: false }, source: `${OLLAMA} Dockerfile: no USER line` },
    fileCapabilities: none(`${OLLAMA} Dockerfile: no setcap`),
    portsBelow1024: none(`${OLLAMA} Dockerfile EXPOSE 11434`),
    writablePaths: {
      value: [
        { path: '$HOME/.ollama', needed: 'always' },
        { path: '$OLLAMA_MODELS (default $HOME/.ollama/models)', needed: 'conditional' },
        { path: '/tmp', needed: 'conditional' },
      ],
      source: `${OLLAMA} cmd/cmd.go (serve writes $HOME/.ollama/id_ed25519 before listening), envconfig/config.go; https://github.com/ollama/ollama/issues/10332`,
    },
    nonRoot: { value: { runs: true, runAsUser: 1000, why: 'any UID with HOME on a writable path; 1000 is ubuntu in ubuntu:24.04 (inferred)' }, source: `${OLLAMA} Dockerfile`, inferred: true },
  },
  ...(
    [
      ['nvcr.io/nvidia/k8s/dcgm-exporter:4.6.0-4.8.3-distroless', 'root:root', false, 'NVIDIA/dcgm-exporter docker/Dockerfile@4.5.3-4.8.2 (691c92762eb551313c825f6efe4ceeee20982801; nearest to 4.6.0-4.8.3)'],
      ['nvcr.io/nvidia/k8s-device-plugin:v0.20.0', '0:0', true, 'NVIDIA/k8s-device-plugin deployments/container/Dockerfile@v0.20.0 (1b826acc6af3079d8923bac395c3124b8861a9a6)'],
      ['nvcr.io/nvidia/k8s/container-toolkit:v1.20.0', '0:0', true, 'NVIDIA/nvidia-container-toolkit deployments/container/Dockerfile@v1.20.0 (5505e2f94d9aaa08561490db974ba3cd676af209)'],
      ['nvcr.io/nvidia/cloud-native/k8s-mig-manager:v0.15.0', '0:0', true, 'NVIDIA/mig-parted deployments/container/Dockerfile@v0.15.0 (e2d5ad1fc72b9d298ea6d04b885cf2d7dbe56941)'],
    ] as const
  ).map(
    ([reference, asWritten, numeric, source]): ImageFacts => ({
      reference,
      upstreamKey: reference,
      scope: 'userOnly',
      programs: [],
      user: { value: { asWritten, uid: 0, gid: 0, numeric }, source },
      fileCapabilities: none(`${source}: not assessed (privileged operand)`),
      portsBelow1024: none(`${source}: not assessed (privileged operand)`),
      writablePaths: none(`${source}: not assessed (privileged operand)`),
      nonRoot: { value: { runs: false, why: 'privileged GPU Operator operand: runs as root in the privileged gpu-operator namespace' }, source },
    }),
  ),
];

/** Strips a `docker.io/` or `docker.io/library/` prefix, so that both spellings of a Docker Hub image match. */
const normalize = (ref: string): string => ref.replace(/^docker\.io\/(library\/)?/, '');

/** The facts of an image reference (any spelling, any TEI architecture tag), or undefined when none are recorded. */
export function imageFacts(reference: string): ImageFacts | undefined {
  const ref = normalize(reference.split('@')[0]!);
  return IMAGE_FACTS.find((f) => [f.reference, ...(f.sameBuild ?? [])].some((r) => normalize(r) === ref));
}
