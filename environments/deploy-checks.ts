/**
 * Values the schema's shapes accept but that cannot deploy, or deploy other than written (issue 14, class 7):
 * each is refused here with its reason.
 */
import { MODELS } from '../catalog/models';
import type { Environment } from './schema';

type Add = (path: (string | number)[], message: string) => void;
/** Models as written: `replicas` not yet defaulted, so that one written beside autoscaling shows. */
type Env = Pick<Environment, 'stage' | 'gpuPools' | 'embeddings' | 'gateway' | 'edge' | 'vectorStore' | 'gpuOperator'> & {
  readonly models: ReadonlyArray<Omit<Environment['models'][number], 'replicas'> & { readonly replicas?: number }>;
};

const show = (v: unknown) => JSON.stringify(v);

/** Relations the pgvector SQL creates per collection (constructs/pgvector-store.ts), Postgres's implicit ones included. */
export const PGVECTOR_GENERATED_SUFFIXES = ['_embedding_hnsw', '_pkey', '_id_seq', '_external_id_key'] as const;
/** Postgres truncates identifiers to NAMEDATALEN - 1 bytes. */
export const POSTGRES_MAX_IDENTIFIER_BYTES = 63;
/** The longest collection name whose generated index name still fits. */
export const MAX_COLLECTION_NAME = POSTGRES_MAX_IDENTIFIER_BYTES - '_embedding_hnsw'.length;

/** Tags that move: the same tag names other images over time. */
const MOVING_TAGS = new Set(['latest', 'nightly', 'main', 'master', 'dev', 'develop', 'edge', 'stable', 'canary', 'head', 'unstable', 'rolling', 'next']);

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** A Kubernetes qualified name: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function annotationKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `its prefix ${show(prefix)} is not a DNS subdomain (lowercase letters, digits, "-" and ".")`;
  if (name.length === 0 || name.length > 63) return `its name ${show(name)} must be 1 to 63 characters`;
  if (!QUALIFIED_NAME.test(name)) return `its name ${show(name)} may hold only letters, digits, "-", "_" and ".", and must start and end with a letter or digit`;
  return undefined;
}

/** A repository that already names a tag or digest: `repo:tag` (a `:` after the last `/`) or `repo@sha256:...`. */
const repositoryCarriesTag = (repo: string) => repo.includes('@') || repo.slice(repo.lastIndexOf('/') + 1).includes(':');

export function checkDeployable(env: Env, add: Add): void {
  // GPU pools: "cpu" is how an embedding server asks for no GPU.
  env.gpuPools.forEach((p, i) => {
    if (p.name === 'cpu') add(['gpuPools', i, 'name'], '"cpu" is reserved: embeddings use pool "cpu" to run without a GPU; give the GPU pool another name');
  });

  // Images: the tag goes in `tag`; in prod a tag that moves is no pin (a digest pins it).
  const image = (img: { repository: string; tag: string; digest?: string } | undefined, at: (string | number)[]) => {
    if (!img) return;
    if (repositoryCarriesTag(img.repository)) {
      add([...at, 'repository'], `${show(img.repository)} carries a tag or digest, and tag ${show(img.tag)} would be added to it (an invalid reference); write the repository without it and put the version in tag (and digest)`);
    }
    if (env.stage === 'prod' && MOVING_TAGS.has(img.tag.toLowerCase()) && !img.digest) {
      add([...at, 'tag'], `${show(img.tag)} moves: prod would run whatever it names at each pull; pin a version tag, or add the image's digest`);
    }
  };
  env.models.forEach((m, i) => image(m.image, ['models', i, 'image']));
  env.embeddings.forEach((e, i) => image(e.image, ['embeddings', i, 'image']));
  if (env.stage === 'prod') {
    for (const [component, version] of Object.entries(env.gpuOperator.versions)) {
      if (MOVING_TAGS.has(version.toLowerCase())) add(['gpuOperator', 'versions', component], `${show(version)} moves: prod would run whatever it names at each pull; pin a version`);
    }
    env.gpuPools.forEach((p, i) => {
      if (p.driver && MOVING_TAGS.has(p.driver.version.toLowerCase())) add(['gpuPools', i, 'driver', 'version'], `${show(p.driver.version)} moves: prod would run whatever it names at each pull; pin a version`);
    });
  }

  // Models: names the stacks generate, engines that cannot serve the model.
  const names = new Map<string, string>([...env.models.map((m, i): [string, string] => [m.name, `models[${i}]`]), ...env.embeddings.map((e, i): [string, string] => [e.name, `embeddings[${i}]`])]);
  const pools = new Map(env.gpuPools.map((p) => [p.name, p]));
  env.models.forEach((m, i) => {
    const pool = pools.get(m.pool);
    if (pool && m.tensorParallel * m.pipelineParallel > pool.gpusPerNode) {
      const group = `${m.name}-group`;
      const other = names.get(group);
      if (other) add([...(other.startsWith('models') ? ['models'] : ['embeddings']), Number(/\d+/.exec(other)![0]), 'name'], `"${group}" is the name of the LeaderWorkerSet and headless Service of multi-node model "${m.name}" (models[${i}]); give this one another name`);
    }
    if (m.autoscaling && m.replicas !== undefined) {
      add(['models', i, 'replicas'], `${m.replicas} is ignored: autoscaling sets the replicas (between min ${m.autoscaling.min} and max ${m.autoscaling.max}); remove replicas`);
    }
    if (m.engine === 'ollama' && MODELS[m.model] && !MODELS[m.model]!.ollamaTag) {
      const tagged = Object.entries(MODELS).filter(([, x]) => x.ollamaTag).map(([id]) => id);
      add(['models', i, 'engine'], `"ollama" needs an Ollama build of the model, and ${m.model} has none in the catalogue; use engine "vllm", or one of: ${tagged.join(', ')}`);
    } else if (m.engine === 'ollama' && !MODELS[m.model]) {
      add(['models', i, 'engine'], `"ollama" serves catalogue models only (it pulls their Ollama build), and ${m.model} is not in the catalogue; use engine "vllm"`);
    }
  });

  // Fallbacks: a chat model falls back to a chat model, never to an embedding server.
  const embeddingNames = new Set(env.embeddings.map((e) => e.name));
  env.models.forEach((m, i) =>
    m.fallbacks.forEach((f, j) => {
      if (embeddingNames.has(f)) add(['models', i, 'fallbacks', j], `"${f}" is an embedding server, which cannot answer chat requests; name a model or a hosted model`);
    }),
  );

  // Edge: host names that TLS and Host matching can use, and annotation keys the API server accepts.
  const edge = env.edge;
  if (edge) {
    edge.hostnames.forEach((h, i) => {
      const at = ['edge', 'hostnames', i];
      if (IPV4.test(h)) add(at, `${show(h)} is an IP address; hostnames are DNS names (a certificate and Host matching need one), e.g. llm.example.com`);
      else if (h.length > 253) add(at, `${show(h)} is longer than 253 characters; use a shorter host name`);
      else {
        const long = h.split('.').find((l) => l.length > 63);
        if (long) add(at, `${show(h)} has the label ${show(long)} of ${long.length} characters; a DNS label has at most 63`);
      }
    });
    for (const key of Object.keys(edge.service.annotations)) {
      const why = annotationKeyProblem(key);
      if (why) add(['edge', 'service', 'annotations', key], `${show(key)} is not a valid annotation key: ${why}; e.g. service.beta.kubernetes.io/aws-load-balancer-scheme`);
    }
  }

  // pgvector: every relation the SQL creates must have its own name, within 63 bytes, outside pg_catalog.
  const store = env.vectorStore;
  if (store?.type === 'pgvector') {
    const generated = new Map<string, string>();
    for (const c of store.collections) for (const s of PGVECTOR_GENERATED_SUFFIXES) generated.set(`${c.name}${s}`, c.name);
    store.collections.forEach((c, i) => {
      const at = ['vectorStore', 'collections', i, 'name'];
      if (c.name.startsWith('pg_')) {
        add(at, `${show(c.name)} starts with "pg_", the prefix of Postgres's system catalogs, which are searched first (a collection "pg_class" would name pg_catalog.pg_class); use another name`);
      } else if (Buffer.byteLength(c.name) > MAX_COLLECTION_NAME) {
        add(at, `${show(c.name)} is ${Buffer.byteLength(c.name)} bytes, and its index "${c.name}_embedding_hnsw" would pass Postgres's 63 and be truncated (two such names collide); use at most ${MAX_COLLECTION_NAME} characters`);
      } else if (generated.has(c.name)) {
        add(at, `${show(c.name)} is a name the store generates for collection "${generated.get(c.name)}" (its index, key or sequence); use another name`);
      }
    });
  }
}
