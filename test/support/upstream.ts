import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { FACTS } from './paths';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What facts/upstream/charts/<folder>/chart.json holds (test/support/extract-facts.ts writes it). */
export interface ChartFacts {
  readonly _source: Readonly<Record<string, unknown>>;
  readonly chart: { readonly name: string; readonly version: string; readonly appVersion: string | null; readonly kubeVersion?: string | null; readonly dependencies: ReadonlyArray<{ name: string; alias?: string; version: string; condition?: string }> };
  readonly values: Record<string, unknown>;
  readonly commentedKeys: readonly string[];
  readonly valuesSchema?: Record<string, unknown>;
  readonly templates: Readonly<Record<string, { readonly reads: ReadonlyArray<readonly string[]>; readonly crd?: true; readonly resourcePolicy?: string | null }>>;
  readonly crdFiles: readonly string[];
  readonly installsCrds: readonly string[];
  readonly subcharts: Readonly<Record<string, { readonly folder: string } | { readonly missing: string }>>;
  readonly excerpts?: Readonly<Record<string, ReadonlyArray<{ line: number; text: readonly string[] }>>>;
}

const factsCache = new Map<string, ChartFacts>();
/** The facts of a chart folder (`<chart>/<version>` as in shared/upstream/charts, or a vendored `.../charts/<sub>`). */
export function chartFacts(folder: string): ChartFacts {
  const cached = factsCache.get(folder);
  if (cached) return cached;
  const file = join(FACTS, 'charts', folder, 'chart.json');
  if (!existsSync(file)) throw new Error(`no upstream facts at ${file}: bring the chart's data to ../shared/upstream and run npm run facts`);
  const facts = JSON.parse(readFileSync(file, 'utf8')) as ChartFacts;
  factsCache.set(folder, facts);
  return facts;
}

/** The upstream text a test quotes from a chart file (test/support/extract-facts.ts EXCERPTS), its lines joined. */
export function excerpt(folder: string, file: string): string {
  const found = chartFacts(folder).excerpts?.[file];
  if (!found) throw new Error(`no excerpt of ${folder}/${file} in the facts: add it to EXCERPTS in test/support/extract-facts.ts and run npm run facts`);
  return found.map((e) => e.text.join('\n')).join('\n');
}

/** A JSON facts file under facts/upstream/ (flags/…, metrics/…, images.json, gpus.json, crds.json). */
export function readFacts<T>(path: string): T {
  return JSON.parse(readFileSync(join(FACTS, path), 'utf8')) as T;
}

/** The facts files of a folder under facts/upstream/. */
export const factsFiles = (dir: string): string[] => readdirSync(join(FACTS, dir)).sort();

/** Subcharts whose values a parent's key reaches: parent folder -> key -> the subchart's folder. */
export const VALUES_SUBCHARTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'kube-prometheus-stack/88.5.3': { grafana: 'grafana/12.11.1' },
  'langfuse/2.0.0': { postgresql: 'postgres/1.6.3', redis: 'valkey/0.9.4', s3: 'seaweedfs/4.23.0' },
};

const deepMerge = (a: unknown, b: unknown): unknown =>
  isObject(a) && isObject(b) ? Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, k in b ? deepMerge(a[k], b[k]) : a[k]])) : (b ?? a);

/**
 * The upstream values.yaml of a chart version (`<chart>/<version>` as in shared/upstream/charts), with the values
 * of its subcharts (where shared/ has them) under their keys.
 */
export function upstreamValues(upstreamData: string): Record<string, unknown> {
  const values = structuredClone(chartFacts(upstreamData).values);
  for (const [key, sub] of Object.entries(VALUES_SUBCHARTS[upstreamData] ?? {})) values[key] = deepMerge(structuredClone(chartFacts(sub).values), values[key]);
  return values;
}

/**
 * Every key path we set that the upstream values do not have. Below an upstream key whose default is an empty
 * map or null (free-form: `data: {}`, `labels: {}`), any key is accepted; lists are taken whole.
 */
export function unknownValueKeys(values: unknown, upstream: unknown, prefix = '', freeForm: readonly string[] = []): string[] {
  if (!isObject(values)) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (freeForm.includes(path)) continue;
    if (!isObject(upstream) || !(key in upstream)) {
      out.push(path);
      continue;
    }
    const up = upstream[key];
    if (isObject(value)) {
      if (isObject(up) && Object.keys(up).length > 0) out.push(...unknownValueKeys(value, up, path, freeForm));
      else if (!(up === null || (isObject(up) && Object.keys(up).length === 0))) out.push(`${path} (upstream is not a map)`);
    }
  }
  return out;
}

/**
 * Values that are whole documents of another program, not chart settings: checked against that program's own
 * upstream keys by their own tests.
 */
export const FREE_FORM_VALUES: Readonly<Record<string, readonly string[]>> = {
  // LiteLLM's config.yaml, rendered as is: test/constructs/gateway.test.ts checks it against the proxy config keys.
  'litellm-helm': ['proxy_config'],
  // Qdrant documents apiKey only in a comment (false | true | string | valueFrom.secretKeyRef); see COMMENTED_KEYS.
  // Its security contexts are rendered verbatim: K8S_TYPED_VALUES checks them against the Kubernetes schema.
  qdrant: ['apiKey', 'podSecurityContext', 'containerSecurityContext'],
  // a Kubernetes ResourceRequirements (upstream shows requests only): checked by K8S_TYPED_VALUES
  lws: ['resources', 'podSecurityContext'],
  // security contexts the Langfuse chart and its postgres, valkey and seaweedfs subcharts render verbatim
  // (seaweedfs after omitting `enabled`): test/charts/langfuse-values.test.ts checks them against the Kubernetes schema
  langfuse: [
    'postgresql.podSecurityContext',
    'postgresql.securityContext',
    'redis.podSecurityContext',
    'redis.securityContext',
    's3.allInOne.podSecurityContext',
    's3.allInOne.containerSecurityContext',
  ],
};

/** Values rendered verbatim as Kubernetes objects, by the kind of object, checked against the Kubernetes schema. */
export const K8S_TYPED_VALUES: Readonly<Record<string, Readonly<Record<string, 'PodSecurityContext' | 'SecurityContext' | 'ResourceRequirements'>>>> = {
  lws: { resources: 'ResourceRequirements', podSecurityContext: 'PodSecurityContext' },
  qdrant: { podSecurityContext: 'PodSecurityContext', containerSecurityContext: 'SecurityContext' },
  'litellm-helm': { podSecurityContext: 'PodSecurityContext', securityContext: 'SecurityContext' },
};

/** Keys a chart's values.yaml documents only in comments (`# key: ...`); a test checks each comment is there. */
export const COMMENTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  qdrant: ['apiKey', 'persistence.storageClassName', 'snapshotPersistence.storageClassName'],
};

/** Adds the commented keys of a chart to its upstream values (with a placeholder), for the key check. */
export function withCommentedKeys(chart: string, upstream: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(upstream);
  for (const path of COMMENTED_KEYS[chart] ?? []) {
    const parts = path.split('.');
    let cur = out as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[parts.at(-1)!] ??= null;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// What the chart templates read (shared/upstream/README.md, "Using them in tests")
// ---------------------------------------------------------------------------------------------------------------

/** A key path in Helm values, one segment per map key (segments may hold dots: `grafana.ini`). */
export type ValuesPath = readonly string[];

const PATH_SEP = '\n';
const pathKey = (p: ValuesPath): string => p.join(PATH_SEP);
const IDENT_CHAIN = '((?:\\.[A-Za-z_][A-Za-z0-9_]*)*)';
const chain = (s: string | undefined): string[] => (s ? s.split('.').filter(Boolean) : []);
const quotedArgs = (s: string): string[] => [...s.matchAll(/^\s*"([^"]*)"|\s+"([^"]*)"/g)].map((m) => m[1] ?? m[2]!);

/**
 * Every `.Values` key path a template text reads: `.Values.a.b`, `$.Values.a.b`, `index .Values "a-b" "c"`,
 * `(index .Values "a").b.c`, `hasKey .Values.a "b"`, and `$v := .Values` followed by `$v.a.b`. A bare `.Values`
 * (the whole tree, passed to a helper or `tpl`) is not a read of every key: the helper's own `.Values.x` reads count.
 */
export function valuesReads(text: string): ValuesPath[] {
  const out: string[][] = [];
  const base = `\\$?\\.Values${IDENT_CHAIN}`;
  // index/hasKey/get with string keys, optionally wrapped in parentheses and followed by a field chain
  const keyed = new RegExp(`\\(?\\s*(?:index|hasKey|get)\\s+${base}((?:\\s+"[^"]*")+)\\s*(\\))?${IDENT_CHAIN}`, 'g');
  let stripped = text;
  for (const m of text.matchAll(keyed)) {
    out.push([...chain(m[1]), ...quotedArgs(m[2]!), ...(m[3] ? chain(m[4]) : [])]);
    stripped = stripped.replace(m[0], ' ');
  }
  for (const m of stripped.matchAll(new RegExp(base, 'g'))) if (m[1]) out.push(chain(m[1]));
  // variables bound to the whole tree: {{- $values := .Values -}} ... $values.livenessProbe.enabled
  for (const m of text.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)\s*:?=\s*\$?\.Values(?![.\w])/g)) {
    for (const r of text.matchAll(new RegExp(`\\$${m[1]}${IDENT_CHAIN}`, 'g'))) if (r[1]) out.push(chain(r[1]));
  }
  return out;
}

const walk = (dir: string, keep: (file: string) => boolean): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), keep) : keep(join(dir, e.name)) ? [join(dir, e.name)] : []))
    : [];

/** The template files of a chart folder whose reads count: `templates/**` without `templates/tests/` (Helm test hooks), plus cluster's `prometheus_rules/**`. */
export function templateFiles(chartDir: string): string[] {
  const templates = join(chartDir, 'templates');
  return [
    ...walk(templates, (f) => !relative(templates, f).split(sep).includes('tests')),
    ...walk(join(chartDir, 'prometheus_rules'), () => true),
  ].sort();
}

/** One chart as its templates read values: its own reads, and its subcharts by values key (alias or name). */
export interface ChartReads {
  readonly dir: string;
  /** Every path some template reads (plus the dependency conditions, which Helm itself reads). */
  readonly reads: ReadonlySet<string>;
  readonly templateCount: number;
  /** Values key -> the subchart's reads, or a string naming the folder that would be needed when it is not saved. */
  readonly subcharts: Readonly<Record<string, ChartReads | string>>;
}

/** A chart folder's reads (`<chart>/<version>` as in shared/upstream/charts), from its facts. */
export function chartReads(chartDir: string): ChartReads {
  const facts = chartFacts(chartDir);
  const templates = Object.values(facts.templates);
  const reads = new Set(templates.flatMap((t) => t.reads.map(pathKey)));
  const subcharts: Record<string, ChartReads | string> = {};
  for (const dep of facts.chart.dependencies) for (const c of dep.condition?.split(',') ?? []) reads.add(pathKey(c.trim().split('.')));
  for (const [key, sub] of Object.entries(facts.subcharts)) subcharts[key] = 'folder' in sub ? chartReads(sub.folder) : sub.missing;
  return { dir: chartDir, reads, templateCount: templates.length, subcharts };
}

/** The `.Values` paths one template file of a chart folder reads. */
export const templateReads = (folder: string, file: string): ReadonlyArray<readonly string[]> => {
  const t = chartFacts(folder).templates[file];
  if (!t) throw new Error(`${folder} has no template ${file} in its facts`);
  return t.reads;
};

/** Every leaf key path of a values tree. Lists and empty maps are leaves (a template takes them whole). */
export function leafPaths(values: unknown, prefix: ValuesPath = []): ValuesPath[] {
  if (!isObject(values) || (Object.keys(values).length === 0 && prefix.length > 0)) return [prefix];
  return Object.entries(values).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

const readsPath = (reads: ReadonlySet<string>, path: ValuesPath): boolean => path.some((_, i) => reads.has(pathKey(path.slice(0, i + 1))));

/**
 * The leaf key paths of `values` that no template reads, neither at the key nor at a parent: the parent chart's
 * templates, the subchart's templates for keys under a subchart key, and any of them for `global.*`. A key under a
 * subchart whose templates are not saved is reported with the folder that would be needed.
 */
export function unreadValueKeys(values: unknown, chart: ChartReads): string[] {
  const all = (c: ChartReads): ChartReads[] => [c, ...Object.values(c.subcharts).flatMap((s) => (typeof s === 'string' ? [] : all(s)))];
  const isRead = (c: ChartReads, path: ValuesPath): boolean | string => {
    if (readsPath(c.reads, path)) return true;
    if (path[0] === 'global') return all(c).some((x) => readsPath(x.reads, path));
    const sub = c.subcharts[path[0]!];
    if (sub === undefined || path.length < 2) return false;
    return typeof sub === 'string' ? sub : isRead(sub, path.slice(1));
  };
  return leafPaths(values).flatMap((p) => {
    const r = isRead(chart, p);
    return r === true ? [] : [typeof r === 'string' ? `${p.join('.')} (subchart templates missing: ${r})` : p.join('.')];
  });
}

/**
 * Charts with no saved templates: their values cannot be checked against what the templates read.
 * litellm-helm: BerriAI/litellm is too large to fetch and no public template set matches the saved values.yaml
 * (shared/upstream/charts/litellm-helm/git-00eb60c0/_source.json -> templates.why).
 */
export const NO_TEMPLATES: Readonly<Record<string, string>> = {
  'litellm-helm':
    'no templates saved: BerriAI/litellm is too large to fetch and none of the public template versions matches the saved values.yaml (git-00eb60c0); see shared/upstream/charts/litellm-helm/git-00eb60c0/_source.json -> templates',
};
