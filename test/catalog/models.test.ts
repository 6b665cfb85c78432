/**
 * Model catalogue facts that decide what the server is started with. A construct given only a model and a pool
 * serves the catalogue's context length (capped by memory), so a length the model's config.json refuses would make
 * vLLM refuse to start ("User-specified max_model_len ... is greater than the derived max_model_len"), unless
 * VLLM_ALLOW_LONG_MAX_MODEL_LEN is set.
 */
import { describe, expect, it } from 'vitest';
import { MODELS, MODEL_IDS } from '../../catalog/models';
import { VllmServer } from '../../constructs/vllm-server';
import { synthConstruct } from '../support/scope';

describe('the model catalogue', () => {
  it("serves Qwen2.5 Instruct models at their config.json's 32,768 tokens (128k needs YaRN in the config)", () => {
    // The model cards: "The current config.json is set for context length up to 32,768 tokens" / "To handle
    // extensive inputs exceeding 32,768 tokens, we utilize YaRN" (Qwen/Qwen2.5-32B-Instruct commit afb2829).
    const qwen = MODEL_IDS.filter((id) => /^Qwen\/Qwen2\.5-\d+B-Instruct(-AWQ)?$/.test(id));
    expect(qwen).toContain('Qwen/Qwen2.5-32B-Instruct');
    for (const id of qwen) expect([id, MODELS[id]!.maxPositionEmbeddings]).toEqual([id, 32768]);
  });

  it('a server given only the model and a large pool asks for no more than the config allows', () => {
    let maxModelLen = 0;
    synthConstruct((s) => {
      maxModelLen = new VllmServer(s, 'qwen', { model: 'Qwen/Qwen2.5-32B-Instruct', pool: { name: 'h200', gpu: 'h200-141gb', gpusPerNode: 8 } }).settings.maxModelLen;
    });
    expect(maxModelLen).toBe(32768);
  });
});
