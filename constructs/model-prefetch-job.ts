import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IMAGES, imageRef, type ImagePin } from '../catalog/images';
import { restrictedContainerSecurity, restrictedPodSecurity } from '../charts/pod-security';
import { JobV1, PersistentVolumeClaimV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { projectPath } from '../lib/project-root';
import type { SecretKeyRef } from './llm-server-props';

/**
 * Layout of a shared model cache claim: the Hugging Face hub cache (weights, read-only for servers), per-model
 * writable compile caches, and the Job's own HF_HOME (token, xet chunk cache).
 */
export const SHARED_CACHE_LAYOUT = { hub: 'hub', compile: 'compile', jobHome: 'prefetch-home' } as const;
/** The UID (and GID, fsGroup) the Job runs as: the model servers' (constructs/private/model-pod.ts SERVER_UID). */
const PREFETCH_UID = 2000;
const MOUNT = '/cache';

/**
 * The files an engine loads from a Hugging Face repo at a revision: safetensors weights, JSON configs and
 * tokenizer files; never the duplicate `original/` checkpoint, PyTorch pickles (`*.bin`, `*.pth`, `*.pt`) or other
 * frameworks' copies. A consolidated (Mistral) copy is kept only where the repo has one, since vLLM's auto format
 * prefers it there. Patterns are fnmatch patterns on the repo path (`*` crosses `/`), as huggingface_hub's.
 */
export function prefetchPatterns(p: { readonly consolidated: boolean; readonly trustRemoteCode: boolean }): { readonly allow: readonly string[]; readonly ignore: readonly string[] } {
  return {
    allow: ['*.safetensors', '*.json', 'tokenizer.model', '*.tiktoken', 'merges.txt', 'vocab.txt', ...(p.trustRemoteCode ? ['*.py'] : [])],
    ignore: ['original/*', '*.bin', '*.pth', '*.pt', '*.gguf', '*.onnx', '*.msgpack', '*.h5', ...(p.consolidated ? [] : ['consolidated*'])],
  };
}

/**
 * The Job's script (constructs/assets/prefetch-model.py, run by the vLLM image's python3 with huggingface_hub): list
 * the repo's files at the revision, download exactly those that match, log bytes done and the rate every 30 s, verify
 * every file (LFS files by sha256, others by size and git blob id), create the model's compile-cache folder. It is
 * passed inline (`python3 -c`): a test keeps `${` and `%{` out of it, which Terraform would read as templates.
 */
export const PREFETCH_SCRIPT = readFileSync(projectPath('constructs', 'assets', 'prefetch-model.py'), 'utf8');

export interface ModelPrefetchJobProps {
  /** The model server's name: names the Job, the created claim and the compile-cache folder. */
  readonly name: string;
  readonly namespace: string;
  /** Hugging Face model id. */
  readonly model: string;
  /** Commit SHA of the model repo. */
  readonly revision: string;
  /** An existing ReadWriteMany claim, or one to create. */
  readonly claim: { readonly existingClaim: string } | { readonly storageClass: string; readonly sizeGiB: number };
  /** The repo ships a consolidated (Mistral) copy the engine may load. @default false */
  readonly consolidated?: boolean;
  /** Fetch the repo's Python files too (trustRemoteCode). @default false */
  readonly trustRemoteCode?: boolean;
  /** The file patterns, when the caller also gives them to the engine. @default - prefetchPatterns of consolidated and trustRemoteCode */
  readonly patterns?: { readonly allow: readonly string[]; readonly ignore: readonly string[] };
  /** Hugging Face token, for gated models. @default - no token (public models only) */
  readonly hfTokenSecret?: SecretKeyRef;
  /** Bytes it fetches, for its timeout. */
  readonly bytes: number;
  /** Download bandwidth, bytes/s, for its timeout. @default 100e6 */
  readonly downloadBytesPerSecond?: number;
  /** An image with python3 and huggingface_hub. @default - the pinned vLLM image (it ships huggingface_hub and the hf CLI) */
  readonly image?: ImagePin;
}

/**
 * Fills a shared model cache once per model revision: a Job (and, unless an existing claim is given, the
 * ReadWriteMany claim) whose name carries a hash of model, revision and file patterns, so a new revision runs a new
 * Job and an unchanged one is not re-run. Terraform waits for it (`wait_for_completion`); servers depend on it.
 */
export class ModelPrefetchJob extends Construct {
  readonly job: JobV1;
  /** The claim's name. */
  readonly claimName: string;
  /** Created here (absent with an existing claim). */
  readonly claim?: PersistentVolumeClaimV1;
  /** The claim's sub-path the servers mount read-only as their hub cache. */
  readonly hubSubPath = SHARED_CACHE_LAYOUT.hub;
  /** The claim's sub-path this model's servers mount writable for compile caches. */
  readonly compileSubPath: string;

  constructor(scope: Construct, id: string, p: ModelPrefetchJobProps) {
    super(scope, id);
    if (!/^[0-9a-f]{40}$/.test(p.revision)) throw new Error(`prefetch of ${p.model}: revision ${JSON.stringify(p.revision)} is not a commit SHA; a shared cache is filled once per pinned revision`);
    const patterns = p.patterns ?? prefetchPatterns({ consolidated: p.consolidated ?? false, trustRemoteCode: p.trustRemoteCode ?? false });
    const hash = createHash('sha256').update(JSON.stringify([p.model, p.revision, patterns.allow, patterns.ignore])).digest('hex').slice(0, 8);
    const jobName = `${p.name}-prefetch-${hash}`;
    if (jobName.length > 63) throw new Error(`prefetch Job name "${jobName}" is ${jobName.length} characters; Kubernetes allows 63: use a shorter model name`);
    this.compileSubPath = `${SHARED_CACHE_LAYOUT.compile}/${p.name}`;
    const labels = { 'app.kubernetes.io/name': p.name, 'app.kubernetes.io/component': 'model-prefetch', 'app.kubernetes.io/managed-by': 'inference-stack' };
    if ('existingClaim' in p.claim) {
      this.claimName = p.claim.existingClaim;
    } else {
      this.claimName = `${p.name}-model-cache`;
      this.claim = new PersistentVolumeClaimV1(this, 'claim', {
        metadata: { name: this.claimName, namespace: p.namespace, labels },
        spec: { accessModes: ['ReadWriteMany'], storageClassName: p.claim.storageClass, resources: { requests: { storage: `${p.claim.sizeGiB}Gi` } } },
        // A WaitForFirstConsumer class binds when the Job's pod starts: Terraform must not wait for it first.
        waitUntilBound: false,
      });
    }
    // Twice the planned download, plus ten minutes for scheduling and the verification read.
    const timeout = `${Math.ceil((2 * p.bytes) / (p.downloadBytesPerSecond ?? 100e6)) + 600}s`;
    const env = [
      { name: 'MODEL', value: p.model },
      { name: 'REVISION', value: p.revision },
      { name: 'ALLOW', value: JSON.stringify(patterns.allow) },
      { name: 'IGNORE', value: JSON.stringify(patterns.ignore) },
      { name: 'HF_HUB_CACHE', value: `${MOUNT}/${SHARED_CACHE_LAYOUT.hub}` },
      { name: 'HF_HOME', value: `${MOUNT}/${SHARED_CACHE_LAYOUT.jobHome}` },
      { name: 'HF_HUB_DISABLE_TELEMETRY', value: '1' },
      { name: 'HOME', value: '/tmp' },
      { name: 'USER', value: 'inference' },
      { name: 'WRITABLE_DIRS', value: JSON.stringify([`${MOUNT}/${this.compileSubPath}`]) },
      ...(p.hfTokenSecret ? [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: p.hfTokenSecret.name, key: p.hfTokenSecret.key } } }] : []),
    ];
    this.job = new JobV1(this, 'job', {
      ...(this.claim ? { dependsOn: [this.claim] } : {}),
      metadata: { name: jobName, namespace: p.namespace, labels: { ...labels, 'inference-stack.io/model-revision': p.revision } },
      waitForCompletion: true,
      timeouts: { create: timeout, update: timeout },
      spec: {
        // Retries resume: finished files stay in the cache.
        backoffLimit: 3,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurity({ runAsUser: String(PREFETCH_UID), runAsGroup: String(PREFETCH_UID), fsGroup: String(PREFETCH_UID), fsGroupChangePolicy: 'OnRootMismatch' }),
            container: [
              {
                name: 'prefetch',
                image: imageRef(p.image ?? IMAGES.vllm),
                imagePullPolicy: 'IfNotPresent',
                command: ['python3', '-c', PREFETCH_SCRIPT],
                env,
                resources: {
                  requests: { cpu: '2', memory: '2Gi', 'ephemeral-storage': '1Gi' },
                  limits: { memory: '8Gi', 'ephemeral-storage': '2Gi' },
                },
                securityContext: restrictedContainerSecurity({ readOnlyRootFilesystem: true }),
                volumeMount: [
                  { name: 'cache', mountPath: MOUNT },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volume: [
              { name: 'cache', persistentVolumeClaim: { claimName: this.claimName } },
              { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
            ],
          },
        },
      },
    });
  }
}
