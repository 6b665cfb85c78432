/**
 * The model catalogue: architecture facts from each model's config.json, which the capacity planner needs.
 *
 * Each entry cites where its facts were read. Most come from ../shared/upstream/models.json (which names the copy
 * of config.json each value was verified from); the rest cite their own source. A model outside the catalogue
 * needs an `architecture:` block in the environment file.
 */

/** Weight formats of a checkpoint as published. */
export type CheckpointFormat = 'bf16' | 'fp16' | 'fp32' | 'fp8' | 'awq-int4' | 'gptq-int4' | 'mxfp4';

export interface ModelArchitecture {
  /** Transformer layers (`num_hidden_layers`). */
  readonly layers: number;
  /** Query heads (`num_attention_heads`). */
  readonly attentionHeads: number;
  /** Key/value heads (`num_key_value_heads`; equal to attentionHeads without GQA). */
  readonly kvHeads: number;
  /** Dimension of one head (`head_dim`, or hidden_size / num_attention_heads). */
  readonly headDim: number;
  /** Context limit (`max_position_embeddings`). */
  readonly maxPositionEmbeddings: number;
  /** Parameters, total (all experts of a mixture of experts). */
  readonly parameters: number;
  /** Format of the published weights. */
  readonly checkpoint: CheckpointFormat;
  /**
   * Size of the published weights, bytes, where the formula (parameters x bytes per weight) is a poor estimate:
   * checkpoints that quantise some layers only.
   */
  readonly checkpointBytes?: number;
  /** Vocabulary (`vocab_size`): sizes the 16-bit embeddings of quantised checkpoints and vLLM's sampler warm-up. */
  readonly vocabSize?: number;
  /** Hidden size (`hidden_size`). */
  readonly hiddenSize?: number;
  /** Whether lm_head shares the input embeddings (`tie_word_embeddings`); default false. */
  readonly tiedEmbeddings?: boolean;
  /**
   * Whether the model is a mixture of experts. vLLM 0.27 runs dense models on its V2 model runner, which does not
   * count CUDA-graph memory before sizing the KV cache; unknown (undefined) is planned as MoE, the larger overhead.
   */
  readonly mixtureOfExperts?: boolean;
}

export interface ModelSpec extends ModelArchitecture {
  /** Hugging Face model id. */
  readonly id: string;
  /**
   * Bytes of every `*.safetensors` file at the root of the repo, where that is more than the weights: TGI downloads
   * them all (server/text_generation_server/utils/hub.py, `_weight_hub_files_from_model_info`: every root-level
   * file with the extension), so a repo that ships a consolidated copy beside its shards costs it twice. vLLM
   * downloads one set (see `downloadBytes` in planner.ts). Its source is in `source`.
   */
  readonly repoSafetensorsBytes?: number;
  /** The same model in Ollama's library (4-bit), for dev servers. */
  readonly ollamaTag?: string;
  /**
   * Parameters one token passes through, for a mixture of experts (the cost estimate's compute term,
   * catalog/cost.ts); dense models leave it out (all parameters). Its source is in `source`.
   */
  readonly activeParameters?: number;
  /** Where the facts come from. */
  readonly source: string;
}

export interface EmbeddingModelSpec {
  readonly id: string;
  /** Embedding dimension (`hidden_size`). */
  readonly dimension: number;
  /** Longest input in tokens (`max_position_embeddings`). */
  readonly maxTokens: number;
  readonly parameters: number;
  readonly source: string;
}

const UPSTREAM = '../shared/upstream/models.json (config.json copy named there)';

const LLAMA_70B = { layers: 80, attentionHeads: 64, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 131072, parameters: 70_553_706_496, vocabSize: 128256, hiddenSize: 8192 };
/** vocab_size and hidden_size of the Qwen2.5 family (models.json: Qwen2.5-7B/32B/72B-AWQ; 14B and 72B share them). */
const QWEN25_VOCAB = 152064;

const MODEL_LIST: readonly ModelSpec[] = [
  {
    id: 'meta-llama/Llama-3.1-8B-Instruct',
    layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 131072,
    parameters: 8_030_261_248, checkpoint: 'bf16', vocabSize: 128256, hiddenSize: 4096, ollamaTag: 'llama3.1:8b-instruct-q4_K_M',
    source: UPSTREAM,
  },
  { id: 'meta-llama/Llama-3.1-70B-Instruct', ...LLAMA_70B, checkpoint: 'bf16', source: UPSTREAM },
  { id: 'meta-llama/Llama-3.3-70B-Instruct', ...LLAMA_70B, checkpoint: 'bf16', source: UPSTREAM },
  {
    id: 'hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4',
    ...LLAMA_70B, checkpoint: 'awq-int4',
    source: 'architecture of meta-llama/Llama-3.1-70B-Instruct, which it quantises; AWQ 4-bit, group size 128, GEMM (config.json quantization_config, as copied in PatronusAI/Llama-3.1-70B-Instruct-AWQ-INT4)',
  },
  {
    id: 'neuralmagic/Meta-Llama-3.1-70B-Instruct-FP8',
    ...LLAMA_70B, checkpoint: 'fp8',
    source: 'architecture of meta-llama/Llama-3.1-70B-Instruct, which it quantises; FP8 weights and activations of the linear layers (compressed-tensors, model card of RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8)',
  },
  {
    id: 'Qwen/Qwen2.5-7B-Instruct',
    layers: 28, attentionHeads: 28, kvHeads: 4, headDim: 128, maxPositionEmbeddings: 32768,
    parameters: 7_615_616_512, checkpoint: 'bf16', vocabSize: QWEN25_VOCAB, hiddenSize: 3584, ollamaTag: 'qwen2.5:7b-instruct-q4_K_M',
    source: UPSTREAM,
  },
  {
    id: 'Qwen/Qwen2.5-14B-Instruct',
    layers: 48, attentionHeads: 40, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 32768,
    parameters: 14_770_033_664, checkpoint: 'bf16', vocabSize: QWEN25_VOCAB, hiddenSize: 5120,
    source: 'config.json of Qwen/Qwen2.5-14B-Instruct as copied in osllmai-community/Qwen2.5-14B-Instruct@eaddfa68 (_name_or_path names it); parameters computed from its dims (model card: 14.7B)',
  },
  {
    id: 'Qwen/Qwen2.5-32B-Instruct',
    layers: 64, attentionHeads: 40, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 32768,
    parameters: 32_763_876_352, checkpoint: 'bf16', vocabSize: QWEN25_VOCAB, hiddenSize: 5120,
    // max_position_embeddings: the model card ("inputs exceeding 32,768 tokens" need YaRN, commit afb2829), as for
    // the 7B/14B/72B entries; shared/upstream's 131072 comes from a third-party copy of the config
    source: `${UPSTREAM}, except max_position_embeddings (the model card: 32,768 tokens without YaRN)`,
  },
  {
    id: 'Qwen/Qwen2.5-72B-Instruct',
    layers: 80, attentionHeads: 64, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 32768,
    parameters: 72_706_203_648, checkpoint: 'bf16', vocabSize: QWEN25_VOCAB, hiddenSize: 8192,
    source: 'model card of Qwen/Qwen2.5-72B-Instruct ("config.json is set for 32,768 tokens", 72.7B parameters) and derived copies of its config.json; parameters computed from the dims',
  },
  {
    id: 'Qwen/Qwen2.5-72B-Instruct-AWQ',
    layers: 80, attentionHeads: 64, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 32768,
    parameters: 72_706_203_648, checkpoint: 'awq-int4', vocabSize: QWEN25_VOCAB, hiddenSize: 8192,
    source: `${UPSTREAM}; parameters of Qwen/Qwen2.5-72B-Instruct, which it quantises`,
  },
  {
    id: 'mistralai/Mistral-7B-Instruct-v0.3',
    layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 32768,
    parameters: 7_248_023_552, checkpoint: 'bf16', vocabSize: 32768, hiddenSize: 4096, ollamaTag: 'mistral:7b-instruct-v0.3-q4_K_M',
    // model-0000{1,2,3}-of-00003.safetensors (total_size 14,496,047,104 in model.safetensors.index.json, = parameters
    // x 2 bytes) plus consolidated.safetensors, the same bf16 tensors under Mistral's names (14.5 GB in the repo's file
    // list; counted at the same byte size, headers left out).
    repoSafetensorsBytes: 2 * 14_496_047_104,
    source: `${UPSTREAM}; root-level safetensors: the repo's file list (3 shards + consolidated.safetensors) and the index's metadata.total_size, as quoted in a public copy of the index (exact-string search)`,
  },
  {
    id: 'mistralai/Mixtral-8x7B-Instruct-v0.1',
    layers: 32, attentionHeads: 32, kvHeads: 8, headDim: 128, maxPositionEmbeddings: 32768,
    parameters: 46_702_792_704, checkpoint: 'bf16', vocabSize: 32000, hiddenSize: 4096, activeParameters: 12_900_000_000,
    source: `${UPSTREAM}; active parameters 12.9B (Mistral AI's announcement "Mixtral of experts", Dec 2023: 46.7B total, "only uses 12.9B parameters per token"); max_position_embeddings from mistralai/Mixtral-8x7B-Instruct-v0.1 config.json @ eba92302`,
  },
  {
    id: 'openai/gpt-oss-20b',
    layers: 24, attentionHeads: 64, kvHeads: 8, headDim: 64, maxPositionEmbeddings: 131072,
    parameters: 20_910_000_000, checkpoint: 'mxfp4', checkpointBytes: 13_760_000_000, vocabSize: 201088, hiddenSize: 2880, activeParameters: 3_610_000_000,
    source: `${UPSTREAM}; parameters from OpenAI's model card (20.91B total, 3.61B active: Hugging Face model card of openai/gpt-oss-20b, "21B parameters with 3.6B active parameters"; the model card paper's table gives 3.61B); checkpoint = the three top-level safetensors shards (4.79 + 4.80 + 4.17 GB): only the MoE experts are MXFP4`,
  },
  {
    id: 'openai/gpt-oss-120b',
    layers: 36, attentionHeads: 64, kvHeads: 8, headDim: 64, maxPositionEmbeddings: 131072,
    parameters: 116_830_000_000, checkpoint: 'mxfp4', checkpointBytes: 65_200_000_000, vocabSize: 201088, hiddenSize: 2880, activeParameters: 5_130_000_000,
    source: `${UPSTREAM}; parameters from OpenAI's model card (116.83B total, 5.13B active: Hugging Face model card of openai/gpt-oss-120b, "117B parameters with 5.1B active parameters"; the model card paper's table gives 5.13B); checkpoint size 65.2 GB (original/ folder)`,
  },
];

const EMBEDDING_LIST: readonly EmbeddingModelSpec[] = [
  { id: 'BAAI/bge-large-en-v1.5', dimension: 1024, maxTokens: 512, parameters: 335_141_888, source: `${UPSTREAM}; parameters computed from its dims (335M)` },
  { id: 'BAAI/bge-base-en-v1.5', dimension: 768, maxTokens: 512, parameters: 109_482_240, source: 'BAAI/bge-base-en-v1.5 config.json as copied in neuralmagic/bge-base-en-v1.5-quant@1edd5eec (hidden_size 768, 12 layers, 512 positions); parameters computed' },
  { id: 'intfloat/e5-base-v2', dimension: 768, maxTokens: 512, parameters: 109_482_240, source: 'intfloat/e5-base-v2 config.json as copied in Xenova/e5-base-v2@07deff7e (hidden_size 768, 12 layers, 512 positions); parameters computed' },
  { id: 'nomic-ai/nomic-embed-text-v1.5', dimension: 768, maxTokens: 8192, parameters: 137_000_000, source: 'nomic-ai/nomic-embed-text-v1.5 config.json @ 6ce67c10 (n_embd 768, n_layer 12, n_positions 8192); 137M parameters' },
];

/** Catalogue entries say whether they are a mixture of experts: those that give active parameters are. */
export const MODELS: Readonly<Record<string, ModelSpec>> = Object.fromEntries(
  MODEL_LIST.map((m) => [m.id, { ...m, mixtureOfExperts: m.activeParameters !== undefined }]),
);
export const EMBEDDING_MODELS: Readonly<Record<string, EmbeddingModelSpec>> = Object.fromEntries(EMBEDDING_LIST.map((m) => [m.id, m]));
export const MODEL_IDS: readonly string[] = MODEL_LIST.map((m) => m.id);
export const EMBEDDING_MODEL_IDS: readonly string[] = EMBEDDING_LIST.map((m) => m.id);

/** The dimension of an embedding model's vectors: the catalogue's, or the one declared for a model outside it. */
export function embeddingDimension(e: { readonly model: string; readonly dimension?: number }): number | undefined {
  return EMBEDDING_MODELS[e.model]?.dimension ?? e.dimension;
}
