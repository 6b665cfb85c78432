import { IMAGES } from '../catalog/images';
import type { LlmServerProps } from './llm-server-props';
import type { PodDisruptionBudgetV1, ServiceV1, StatefulSetV1 } from '../lib/bindings';
import { Construct } from '../lib/cdktf';
import { llmWorkload } from './private/llm-workload';
import { PATHS } from './private/model-pod';

export const OLLAMA_PORT = 11434;

export interface OllamaServerProps extends LlmServerProps {
  /** The model in Ollama's library, e.g. `llama3.1:8b-instruct-q4_K_M`. */
  readonly ollamaTag: string;
}

/** An Ollama server for dev: starts the server, pulls its model into the cache volume, serves it. */
export class OllamaServer extends Construct {
  readonly statefulSet: StatefulSetV1;
  readonly service: ServiceV1;
  readonly podDisruptionBudget: PodDisruptionBudgetV1;
  readonly port = OLLAMA_PORT;

  constructor(scope: Construct, id: string, props: OllamaServerProps) {
    super(scope, id);
    if (!/^[a-z0-9][\w.:/-]*$/.test(props.ollamaTag)) throw new Error(`Ollama tag "${props.ollamaTag}" is not a model name`);
    const workload = llmWorkload(this, { ...props, extraArgs: [] }, {
      engine: 'ollama',
      image: IMAGES.ollama,
      command: ['/bin/sh', '-c'],
      args: [`ollama serve & server=$!; sleep 5; ollama pull ${props.ollamaTag} || exit 1; wait $server`],
      env: { OLLAMA_HOST: `0.0.0.0:${OLLAMA_PORT}`, OLLAMA_MODELS: `${PATHS.cache}/ollama`, OLLAMA_KEEP_ALIVE: '-1' },
      port: OLLAMA_PORT,
      paths: { health: '/', ready: '/api/tags' },
    });
    this.statefulSet = workload.statefulSet;
    this.service = workload.service;
    this.podDisruptionBudget = workload.pdb;
  }
}
