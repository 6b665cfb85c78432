/**
 * Server images, pinned. Tags follow each project's release workflow:
 * - vLLM: `vllm/vllm-openai:v<version>` (docs.vllm.ai, deployment/docker). v0.27.1 is the release line of the
 *   flag list we test against (upstream main between v0.27.1 and v0.28.0); the image runs as root by default
 *   and ships a non-root user (UID 2000) since the "non-root support" change; we run it as UID 2000.
 * - TGI: `ghcr.io/huggingface/text-generation-inference:<version>` (no "v"); listens on $PORT (80 in the image).
 * - TEI: `ghcr.io/huggingface/text-embeddings-inference:<arch prefix><version>`, one image per GPU architecture
 *   (README table, .github/workflows/matrix.json); listens on $PORT (80 in the image).
 * - Ollama: `ollama/ollama:<version>` (no "v"), port 11434, models under $OLLAMA_MODELS.
 */
export interface ImagePin {
  readonly repository: string;
  readonly tag: string;
  /** `sha256:...` where known; prod images are pinned by digest where known (POLICY 12). */
  readonly digest?: string;
}

export const SERVER_VERSIONS = {
  vllm: '0.27.1',
  tgi: '3.3.7',
  tei: '1.9.3',
  ollama: '0.32.15',
} as const;

export const IMAGES = {
  vllm: { repository: 'vllm/vllm-openai', tag: `v${SERVER_VERSIONS.vllm}` },
  tgi: { repository: 'ghcr.io/huggingface/text-generation-inference', tag: SERVER_VERSIONS.tgi },
  ollama: { repository: 'ollama/ollama', tag: SERVER_VERSIONS.ollama },
  /** The edge: Caddy's official image (tags `<version>`, `<version>-alpine`); XDG dirs /config and /data. */
  caddy: { repository: 'caddy', tag: '2.11.4-alpine' },
  /** For the housekeeping scripts (Qdrant collections and snapshots): the standard library is all they use. */
  python: { repository: 'python', tag: '3.12.8-slim-bookworm' },
} as const satisfies Record<string, ImagePin>;

/**
 * Images that cannot run as a non-root user, whatever the pod sets, so not under Pod Security "restricted"
 * (runAsNonRoot). Keyed by repository: the fault is in how every recent release is built, not in one tag.
 */
export const ROOT_ONLY_IMAGES: Readonly<Record<string, { readonly why: string; readonly since: string; readonly source: string }>> = {
  [IMAGES.tgi.repository]: {
    why: 'its Python lives under /root, which other users cannot read: huggingface/text-generation-inference#3082',
    since: '3.1.0 (3.0.1 still ran as non-root); open at 3.3.7, the newest tag; the fix (PR #3197, UV_PYTHON_INSTALL_DIR outside /root) is unmerged',
    source: '../shared/upstream/images.json (ghcr.io/huggingface/text-generation-inference:3.3.7 runsAsNonRoot: Dockerfile @ v3.3.7 lines 163-170 and 248; issue #3082)',
  },
};

/** Why an image cannot run as non-root, or undefined when it can (or is not known not to). */
export function rootOnlyReason(pin: Pick<ImagePin, 'repository'>): string | undefined {
  return ROOT_ONLY_IMAGES[pin.repository]?.why;
}

/** TEI's image for a GPU's compute capability, or for CPU (undefined). */
export function teiImage(computeCapability?: number): ImagePin {
  const repository = 'ghcr.io/huggingface/text-embeddings-inference';
  const v = SERVER_VERSIONS.tei;
  if (computeCapability === undefined) return { repository, tag: `cpu-${v}` };
  if (computeCapability >= 12) return { repository, tag: `120-${v}` };
  if (computeCapability >= 10) return { repository, tag: `100-${v}` };
  if (computeCapability >= 9) return { repository, tag: `hopper-${v}` };
  if (computeCapability >= 8.9) return { repository, tag: `89-${v}` };
  if (computeCapability >= 8.6) return { repository, tag: `86-${v}` };
  if (computeCapability >= 8.0) return { repository, tag: v };
  return { repository, tag: `turing-${v}` };
}

/** `repository:tag` or `repository:tag@digest`. */
export function imageRef(pin: ImagePin): string {
  return `${pin.repository}:${pin.tag}${pin.digest ? `@${pin.digest}` : ''}`;
}
