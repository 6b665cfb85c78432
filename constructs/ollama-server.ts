import { IMAGES } from '../catalog/images';
import { serviceUrl, type IModelServer, type OllamaServerProps } from './llm-server-props';
import type { PodDisruptionBudgetV1, ServiceV1, StatefulSetV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { ollamaSettings } from './private/llm-settings';
import { llmWorkload } from './private/llm-workload';
import { PATHS } from './private/model-pod';

export const OLLAMA_PORT = 11434;

/** An Ollama server for dev: starts the server, pulls its model into the cache volume, serves it (one GPU). */
export class OllamaServer extends Construct implements IModelServer {
  readonly statefulSet: StatefulSetV1;
  readonly service: ServiceV1;
  readonly podDisruptionBudget: PodDisruptionBudgetV1;
  readonly port = OLLAMA_PORT;
  readonly engine = 'ollama';
  /** The model in Ollama's library it pulls and serves. */
  readonly ollamaTag: string;
  readonly servedModelName: string;
  readonly serviceName: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly url: string;

  constructor(scope: Construct, id: string, props: OllamaServerProps) {
    super(scope, id);
    const settings = ollamaSettings(this, 'OllamaServer', props);
    this.ollamaTag = settings.ollamaTag;
    const workload = llmWorkload(this, settings, {
      engine: 'ollama',
      image: IMAGES.ollama,
      command: ['/bin/sh', '-c'],
      args: [`ollama serve & server=$!; sleep 5; ollama pull ${settings.ollamaTag} || exit 1; wait $server`],
      env: { OLLAMA_HOST: `0.0.0.0:${OLLAMA_PORT}`, OLLAMA_MODELS: `${PATHS.cache}/ollama`, OLLAMA_KEEP_ALIVE: '-1' },
      port: OLLAMA_PORT,
      paths: { health: '/', ready: '/api/tags' },
    });
    this.statefulSet = workload.statefulSet;
    this.service = workload.service;
    this.podDisruptionBudget = workload.pdb;
    this.servedModelName = settings.name;
    this.serviceName = settings.name;
    this.namespace = settings.namespace;
    this.podLabels = workload.labels;
    this.url = serviceUrl(settings.name, settings.namespace, OLLAMA_PORT);
  }
}
