import { IMAGES } from '../catalog/images';
import type { LlmServerProps } from './llm-server-props';
import { Construct } from '../lib/cdktf';
import { llmWorkload } from './private/llm-workload';
import { PATHS, type ModelWorkload } from './private/model-workload';

export const OLLAMA_PORT = 11434;

export interface OllamaServerProps extends LlmServerProps {
  /** The model in Ollama's library, e.g. `llama3.1:8b-instruct-q4_K_M`. */
  readonly ollamaTag: string;
}

/** An Ollama server for dev: starts the server, pulls its model into the cache volume, serves it. */
export class OllamaServer extends Construct {
  readonly workload: ModelWorkload;
  readonly port = OLLAMA_PORT;

  constructor(scope: Construct, id: string, props: OllamaServerProps) {
    super(scope, id);
    if (!/^[a-z0-9][\w.:/-]*$/.test(props.ollamaTag)) throw new Error(`Ollama tag "${props.ollamaTag}" is not a model name`);
    this.workload = llmWorkload(this, { ...props, extraArgs: [] }, {
      engine: 'ollama',
      image: IMAGES.ollama,
      command: ['/bin/sh', '-c'],
      args: [`ollama serve & server=$!; sleep 5; ollama pull ${props.ollamaTag} || exit 1; wait $server`],
      env: { OLLAMA_HOST: `0.0.0.0:${OLLAMA_PORT}`, OLLAMA_MODELS: `${PATHS.cache}/ollama`, OLLAMA_KEEP_ALIVE: '-1' },
      port: OLLAMA_PORT,
      paths: { health: '/', ready: '/api/tags' },
    });
  }
}
