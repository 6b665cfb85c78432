/**
 * Image facts and pod compatibility: every pod we render (typed workloads, LeaderWorkerSet templates, and the pods
 * litellm-helm and qdrant render from our values) must be able to run its image in its namespace's Pod Security
 * level, by what the image DOES (catalog/image-facts.ts, from shared/upstream/images.json), not only by what the
 * pod declares: the kubelet's runAsNonRoot check against the image USER, file capabilities under drop ALL, images
 * that cannot run as non-root, and the paths an image writes under readOnlyRootFilesystem.
 */
import { describe, expect, it } from 'vitest';
import { IMAGE_FACTS, imageFacts, type ImageFacts } from '../../catalog/image-facts';
import { IMAGES, imageRef, teiImage } from '../../catalog/images';
import { CHARTS } from '../../charts/pins';
import { FLUENT_BIT_IMAGE } from '../../charts/fluent-bit';
import { POSTGRES_IMAGE } from '../../charts/cloudnative-pg';
import { GPU_OPERATOR_COMPONENT_VERSIONS } from '../../charts/gpu-operator';
import { QDRANT_VERSION } from '../../charts/qdrant';
import { LITELLM_IMAGE } from '../../constructs/litellm-gateway';
import { compatibilityProblems, podsOf, type Pod, type PodContainer } from '../support/pods';
import { PRESETS, stacksOf } from '../support/synth';
import { chartFacts, readFacts } from '../support/upstream';

const SOURCES = [...PRESETS, 'fixture:multi-node', 'fixture:all-engines'] as const;

/** Every image we pin: catalog/images.ts (all TEI variants), the gateway's, Postgres', Qdrant's, and the GPU Operator components'. */
function pinnedImages(): string[] {
  const gpu = chartFacts(CHARTS.gpuOperator.upstreamData).values as Record<string, { repository: string; image: string }>;
  const component = (key: 'toolkit' | 'devicePlugin' | 'dcgmExporter' | 'migManager') => `${gpu[key]!.repository}/${gpu[key]!.image}:${GPU_OPERATOR_COMPONENT_VERSIONS[key]}`;
  return [
    ...Object.values(IMAGES).map(imageRef),
    ...[undefined, 7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 12.0].map((cc) => imageRef(teiImage(cc))),
    imageRef(LITELLM_IMAGE),
    imageRef(FLUENT_BIT_IMAGE),
    POSTGRES_IMAGE,
    `docker.io/qdrant/qdrant:${QDRANT_VERSION}-unprivileged`,
    component('toolkit'),
    component('devicePlugin'),
    component('dcgmExporter'),
    component('migManager'),
  ];
}

type Upstream = {
  user: string;
  uid: number;
  gid: number;
  userIsNumeric: boolean;
  scope: 'full' | 'userOnly';
  imageEnv?: Record<string, string>;
  fileCapabilities?: Array<{ path: string; capabilities: string }>;
  listensOn?: Array<{ port: number; below1024: boolean }>;
  writablePaths?: Array<{ path: string; inferred: boolean; when: string }>;
  runsAsNonRoot?: { value: boolean | 'conditional'; recommendedRunAsUser: number | null; inferred: boolean };
  inferred: string[];
  source: unknown;
};

describe('catalog/image-facts.ts', () => {
  it('has facts for every image we pin', () => {
    for (const ref of pinnedImages()) expect(imageFacts(ref), `${ref}: add its facts to catalog/image-facts.ts`).toBeDefined();
  });

  it('matches either spelling of a Docker Hub image and every TEI architecture tag, and nothing unknown', () => {
    expect(imageFacts('docker.io/library/caddy:2.11.4-alpine')?.reference).toBe('caddy:2.11.4-alpine');
    expect(imageFacts('ghcr.io/huggingface/text-embeddings-inference:hopper-1.9.3')?.upstreamKey).toBe('ghcr.io/huggingface/text-embeddings-inference:<arch>-1.9.3');
    expect(imageFacts('caddy:2.11.5-alpine')).toBeUndefined();
  });

  describe('matches images.json (facts/upstream, from shared/upstream)', () => {
    const json = readFacts<{ images: Record<string, Upstream>; aliases: Record<string, string> }>('images.json');

    it('every TEI tag we use is one images.json lists for that build', () => {
      const tei = IMAGE_FACTS.find((f) => f.sameBuild)!;
      for (const ref of tei.sameBuild!) expect(json.aliases[ref], ref).toBe(tei.upstreamKey);
    });

    it.each(IMAGE_FACTS.map((f) => [f.reference, f] as const))('%s', (_ref, f: ImageFacts) => {
      const u = json.images[f.upstreamKey];
      expect(u, `images.json has no ${f.upstreamKey}`).toBeDefined();
      expect(f.scope).toBe(u!.scope);
      expect(f.user.value).toEqual({ asWritten: u!.user, uid: u!.uid, gid: u!.gid, numeric: u!.userIsNumeric });
      // each fact names a commit or issue that images.json gives as a source of this image
      const sourceText = JSON.stringify(u!.source);
      for (const fact of [f.user, f.fileCapabilities, f.portsBelow1024, f.writablePaths, f.nonRoot, ...(f.home ? [f.home] : [])]) {
        const refs = [...fact.source.matchAll(/\b[0-9a-f]{40}\b|https:\/\/github\.com\/\S+/g)].map((m) => m[0]);
        expect(refs.length, fact.source).toBeGreaterThan(0);
        for (const r of refs) expect(sourceText, `${f.reference}: ${r} is not among images.json's sources`).toContain(r);
      }
      if (f.scope === 'userOnly') return;
      expect(f.fileCapabilities.value.map((c) => `${c.path} cap_${c.capability.toLowerCase()}=+ep`)).toEqual((u!.fileCapabilities ?? []).map((c) => `${c.path} ${c.capabilities}`));
      expect(f.portsBelow1024.value).toEqual((u!.listensOn ?? []).filter((p) => p.below1024).map((p) => p.port));
      expect(f.home?.value).toBe(u!.imageEnv?.HOME);
      expect(f.writablePaths.value.map((w) => [w.path, w.inferred ?? false])).toEqual((u!.writablePaths ?? []).map((w) => [w.path, w.inferred]));
      for (const w of f.writablePaths.value) {
        const when = u!.writablePaths!.find((x) => x.path === w.path)!.when;
        // `always` only where images.json says always / every start
        if (w.needed === 'always') expect(when, `${w.path}: ${when}`).toMatch(/always|every start|whenever the model|model (fetched )?from the Hub/);
      }
      expect(f.nonRoot.value.runs).toBe(u!.runsAsNonRoot!.value !== false);
      expect(f.nonRoot.value.runAsUser ?? null).toBe(u!.runsAsNonRoot!.recommendedRunAsUser);
      expect(f.nonRoot.inferred ?? false).toBe(u!.runsAsNonRoot!.inferred || u!.inferred.some((i) => i === 'runsAsNonRoot' || i.startsWith('uid ')));
    });
  });
});

// A pod that can run everything it is given, to vary in the checks below.
const good = (image: string, over: Partial<PodContainer> = {}, pod: Partial<Pod> = {}): [Pod, PodContainer] => {
  const c: PodContainer = {
    name: 'c',
    image,
    args: [],
    env: {},
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: false },
    mountPaths: [],
    ports: [],
    init: false,
    ...over,
  };
  const p: Pod = { label: 'test', namespace: 'ns', level: 'restricted', podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } }, containers: [c], ...pod };
  return [p, c];
};
const problems = ([p, c]: [Pod, PodContainer]) => compatibilityProblems(p, c, imageFacts(c.image));

describe('the compatibility check', () => {
  it('passes a compliant pod', () => {
    expect(problems(good('python:3.12.8-slim-bookworm'))).toEqual([]);
  });

  it('fails an unknown image', () => {
    expect(problems(good('example.com/unknown:1.0'))).toEqual(['example.com/unknown:1.0: no image facts; add them to catalog/image-facts.ts from shared/upstream/images.json']);
  });

  it('fails a binary with a file capability under drop ALL, and passes it with NET_BIND_SERVICE added back', () => {
    expect(problems(good('caddy:2.11.4-alpine'))).toEqual([
      '/usr/bin/caddy has file capability NET_BIND_SERVICE: with capabilities.drop [ALL] and no add of NET_BIND_SERVICE, exec fails (EPERM); add NET_BIND_SERVICE',
    ]);
    expect(problems(good('caddy:2.11.4-alpine', { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }))).toEqual([]);
  });

  it('fails runAsNonRoot with a non-numeric image USER and no runAsUser, at pod or container level', () => {
    const image = 'ghcr.io/berriai/litellm-non_root:main-v1.81.9-stable';
    expect(problems(good(image, {}, { podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } }))[0]).toMatch(/image USER "nobody" is not numeric.*runAsUser: 65534/);
    expect(problems(good(image, { securityContext: { runAsUser: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }, { podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } }))).toEqual([]);
  });

  it('fails an image that cannot run as non-root in a restricted namespace', () => {
    expect(problems(good('ghcr.io/huggingface/text-generation-inference:3.3.7', { args: ['--port', '8000'] }))[0]).toMatch(/cannot run as non-root .* restricted namespace ns/);
  });

  it('fails readOnlyRootFilesystem without a volume where the image writes, following env relocation and HOME', () => {
    const vllm = (env: Record<string, string>, mountPaths: string[]) => good('vllm/vllm-openai:v0.27.1', { env, mountPaths, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true } });
    expect(problems(vllm({ HOME: '/home/x' }, []))).toEqual([
      'readOnlyRootFilesystem: /home/x/.cache/huggingface ($HOME/.cache/huggingface) must be writable but no volume is mounted there',
      'readOnlyRootFilesystem: /home/x/.cache/vllm ($HOME/.cache/vllm) must be writable but no volume is mounted there',
    ]);
    expect(problems(vllm({ HF_HOME: '/cache/hf', VLLM_CACHE_ROOT: '/cache/vllm' }, ['/cache']))).toEqual([]);
    // a tool of the same image (psql in the Postgres image) needs none of the server's paths
    expect(problems(good('ghcr.io/cloudnative-pg/postgresql:17.5', { command: ['psql'], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true } }))).toEqual([]);
  });

  it('fails a default port below 1024 for a non-root UID unless the pod moves it', () => {
    expect(problems(good('ghcr.io/huggingface/text-embeddings-inference:cpu-1.9.3'))).toEqual(['listens on port 80 as UID 1000 without NET_BIND_SERVICE']);
    expect(problems(good('ghcr.io/huggingface/text-embeddings-inference:cpu-1.9.3', { args: ['--port', '8000'] }))).toEqual([]);
  });
});

/**
 * Images an environment file declares as its own build (`image:`): the validator trusts them as declared (the
 * toolkit cannot read their build files), so they have no facts here. Each is listed with why.
 */
const USER_BUILT_IMAGES: Readonly<Record<string, string>> = {
  'registry.example.com/ml/text-generation-inference-nonroot:3.3.7': 'all-engines fixture: a TGI image rebuilt to run as non-root (TGI#3082)',
};

describe.each(SOURCES)('every pod of %s', (source) => {
  const stacks = stacksOf(source);
  const pods = podsOf(stacks);
  const containers = pods.flatMap((p) => p.containers.filter((c) => !(c.image in USER_BUILT_IMAGES)).map((c) => [`${p.label} [${c.name}] ${c.image} in ${p.namespace} (${p.level ?? 'no level'})`, p, c] as const));

  it('includes the chart-rendered pods we set the security context of', () => {
    expect(pods.length).toBeGreaterThan(0);
    const labels = pods.map((p) => p.label).join('\n');
    if (Object.values(stacks).some((tf) => Object.values(tf.resource.helm_release ?? {}).some((r) => r.chart === 'fluent-bit'))) {
      expect(labels).toMatch(/chart fluent-bit fluent-bit DaemonSet/);
    }
    if (Object.values(stacks).some((tf) => Object.values(tf.resource.helm_release ?? {}).some((r) => r.chart === 'litellm-helm'))) {
      expect(labels).toMatch(/chart litellm-helm .* proxy Deployment/);
      expect(labels).toMatch(/chart litellm-helm .* migration Job/);
    }
  });

  it.each(containers)('%s can run its image there', (_label, pod, c) => {
    expect(compatibilityProblems(pod, c, imageFacts(c.image))).toEqual([]);
  });
});
