/** `inference-stack images --env X [--json]`: every image and chart the environment pulls, for mirroring. */
import { parse } from 'yaml';
import type { TfJson } from '../../lib/tf-json';
import { resources } from '../../lib/tf-json';

export interface ImageList {
  readonly environment: string;
  /** Container images of the workloads we render, `repository:tag[@digest]`, sorted. */
  readonly images: readonly string[];
  /** Images set in Helm values (component pins), sorted. */
  readonly chartImages: readonly string[];
  /** Helm charts with repository and version, sorted. */
  readonly charts: ReadonlyArray<{ readonly chart: string; readonly repository: string; readonly version: string }>;
  /** Terraform providers the stacks pin (required_providers), for a provider mirror (`terraform providers mirror`). */
  readonly providers: ReadonlyArray<{ readonly name: string; readonly source: string; readonly version: string }>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function collectImages(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) v.forEach((x) => collectImages(x, out));
  else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'image' && typeof x === 'string') out.add(x);
      else collectImages(x, out);
    }
  }
}

/** Images the GPU Operator's values pin: `<repository>/<image>:<version>` for each component that sets all three. */
function gpuOperatorImages(values: Obj): string[] {
  const out: string[] = [];
  for (const [component, v] of Object.entries(values)) {
    if (!isObj(v) || typeof v.version !== 'string') continue;
    const repository = component === 'driver' ? 'nvcr.io/nvidia' : component === 'toolkit' || component === 'dcgmExporter' ? 'nvcr.io/nvidia/k8s' : component === 'migManager' ? 'nvcr.io/nvidia/cloud-native' : 'nvcr.io/nvidia';
    const image = { driver: 'driver', toolkit: 'container-toolkit', devicePlugin: 'k8s-device-plugin', dcgmExporter: 'dcgm-exporter', migManager: 'k8s-mig-manager' }[component];
    if (image) out.push(`${repository}/${image}:${v.version}${component === 'driver' ? '-<os>' : ''}`);
  }
  return out;
}

export function imageList(environment: string, stacks: Readonly<Record<string, TfJson>>): ImageList {
  const images = new Set<string>();
  const chartImages = new Set<string>();
  const charts = new Map<string, { chart: string; repository: string; version: string }>();
  const providers = new Map<string, { name: string; source: string; version: string }>();
  for (const [name, json] of Object.entries(stacks)) {
    for (const [provider, pin] of Object.entries(json.terraform?.required_providers ?? {})) {
      const source = String((pin as { source?: string }).source ?? provider);
      providers.set(`${source}@${pin.version}`, { name: provider, source, version: String(pin.version) });
    }
    for (const r of resources({ name, json })) {
      if (r.type === 'helm_release') {
        const chart = String(r.body.chart);
        charts.set(`${r.body.repository}/${chart}@${r.body.version}`, { chart, repository: String(r.body.repository), version: String(r.body.version) });
        const values = Object.assign({}, ...((r.body.values as string[]) ?? []).map((v) => parse(v) as Obj)) as Obj;
        if (chart === 'gpu-operator') gpuOperatorImages(values).forEach((i) => chartImages.add(i));
        // any {repository, tag} pair in the values pins an image (image, image.manager, ...)
        const pins = (v: unknown): void => {
          if (Array.isArray(v)) v.forEach(pins);
          else if (isObj(v)) {
            if (typeof v.repository === 'string' && typeof v.tag === 'string' && !v.repository.startsWith('http')) chartImages.add(`${v.repository}:${v.tag}`);
            Object.values(v).forEach(pins);
          }
        };
        pins(values);
        const img = values.image;
        if (isObj(img) && chart === 'qdrant' && typeof img.tag === 'string') chartImages.add(`docker.io/qdrant/qdrant:${img.tag}${img.useUnprivilegedImage ? '-unprivileged' : ''}`);
        const cluster = values.cluster;
        if (isObj(cluster) && typeof cluster.imageName === 'string') chartImages.add(cluster.imageName);
      } else {
        // workloads and raw manifests (LeaderWorkerSet pod templates) alike
        collectImages(r.body.spec ?? r.body.manifest, images);
      }
    }
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return {
    environment,
    images: sorted(images),
    chartImages: sorted(chartImages),
    charts: [...charts.values()].sort((a, b) => a.chart.localeCompare(b.chart)),
    providers: [...providers.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version)),
  };
}

export function formatImages(l: ImageList): string {
  return [
    `${l.environment}: container images (${l.images.length})`,
    ...l.images.map((i) => `  ${i}`),
    `${l.environment}: images pinned in chart values (${l.chartImages.length}; the charts pull more of their own: helm template lists them)`,
    ...l.chartImages.map((i) => `  ${i}`),
    `${l.environment}: Helm charts (${l.charts.length})`,
    ...l.charts.map((c) => `  ${c.chart} ${c.version} from ${c.repository}`),
    `${l.environment}: Terraform providers (${l.providers.length}; terraform providers mirror fetches them)`,
    ...l.providers.map((p) => `  ${p.source} ${p.version}`),
  ].join('\n');
}
