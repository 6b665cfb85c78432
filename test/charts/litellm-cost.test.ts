/**
 * Budgets that count everything: every self-hosted route of the gateway carries the per-token prices of the cost
 * estimate where LiteLLM reads custom prices (`model_info.input_cost_per_token` / `output_cost_per_token`, LiteLLM
 * docs/proxy/custom_pricing.md; both keys in the committed config-key facts), and hosted routes carry only the list
 * prices the environment declares.
 */
import { describe, expect, it } from 'vitest';
import { costReport, gatewayTokenPrices } from '../../catalog/cost';
import { proxyConfig } from '../../charts/litellm';
import { gatewayRoutes } from '../../constructs/litellm-gateway';
import { loadEnvironment } from '../../environments/load';
import { resolveEnvironment } from '../../environments/resolve';
import { gatewayHostedModels, gatewayServers } from '../../stacks/gateway-stack';
import { MINIMAL, writeEnvs } from '../support/env';
import { helmReleases, releaseValues, stacksOf } from '../support/synth';
import { presetEnv } from '../support/synth';
import { readFacts } from '../support/upstream';

const keys = readFacts<Record<string, string[]>>('flags/litellm-proxy-config-keys.json');
const load = (env: object) => loadEnvironment(writeEnvs({ env })['env']!).resolved;

const config = (resolved: ReturnType<typeof load>) => {
  const { routes } = gatewayRoutes(gatewayServers(resolved), gatewayHostedModels(resolved));
  return proxyConfig({ routes, fallbacks: {}, numRetries: 0, timeoutSeconds: 60 }) as { model_list: Array<{ model_name: string; litellm_params: Record<string, unknown>; model_info: Record<string, unknown> }> };
};

describe('gateway prices', () => {
  it('LiteLLM reads custom prices from model_info: the keys we write are in its documented model_info keys', () => {
    expect(keys.model_info_known).toEqual(expect.arrayContaining(['input_cost_per_token', 'output_cost_per_token']));
  });

  it('prod: every self-hosted route has the estimate with the margin, per token; gpt-4o its declared list price', () => {
    const resolved = resolveEnvironment(presetEnv('prod'));
    const report = costReport(resolved);
    const tf = stacksOf('prod')['prod-gateway']!;
    const values = releaseValues(helmReleases(tf).find((r) => r.chart === 'litellm-helm')!) as { proxy_config: ReturnType<typeof config> };
    const byName = Object.fromEntries(values.proxy_config.model_list.map((m) => [m.model_name, m]));
    for (const server of [...resolved.models.map((m) => m.spec.name), ...resolved.embeddings.map((e) => e.spec.name)]) {
      const prices = gatewayTokenPrices(report, server)!;
      expect(prices, server).toBeDefined();
      expect(byName[server]!.model_info, server).toMatchObject({ input_cost_per_token: prices.inputCostPerToken, output_cost_per_token: prices.outputCostPerToken });
      // not both 0 (LiteLLM would skip the budget checks), and never in litellm_params (sent to the server)
      expect(prices.inputCostPerToken, server).toBeGreaterThan(0);
      expect(byName[server]!.litellm_params.input_cost_per_token, server).toBeUndefined();
    }
    // llama-70b: the estimate per million (0.376 output at 50%) x 1.1 margin / 1e6, four significant digits
    const llama = report.tokens.find((t) => t.model === 'llama-70b')!;
    expect(byName['llama-70b']!.model_info.output_cost_per_token).toBe(Number(((llama.outputPerMillion! * 1.1) / 1e6).toPrecision(4)));
    // an embedding server: input tokens only
    expect(byName['bge-large']!.model_info.output_cost_per_token).toBe(0);
    expect(byName['gpt-4o']!.model_info).toEqual({ mode: 'chat', input_cost_per_token: 2.5 / 1e6, output_cost_per_token: 10 / 1e6 });
  });

  const BASE = {
    ...MINIMAL,
    gpuPools: [{ name: 'gpu', gpu: 'l4-24gb', gpusPerNode: 1, nodes: ['node-1'], pricePerGpuHour: 0.8 }],
    models: [{ name: 'qwen-7b', model: 'Qwen/Qwen2.5-7B-Instruct', pool: 'gpu', maxModelLen: 8192, quantization: 'fp8' }],
    gateway: { hostedModels: [{ name: 'mini', provider: 'openai', model: 'gpt-4o-mini', apiKeySecret: { name: 'openai' } }] },
  };

  it('a hosted model without declared prices keeps LiteLLM\'s own list (no cost keys)', () => {
    const c = config(load(BASE));
    expect(c.model_list.find((m) => m.model_name === 'mini')!.model_info).toEqual({ mode: 'chat' });
    expect(c.model_list.find((m) => m.model_name === 'qwen-7b')!.model_info.input_cost_per_token).toBeGreaterThan(0);
  });

  it('no price on the pool, or a currency other than USD (LiteLLM counts USD): no cost keys on self-hosted routes', () => {
    const unpriced = config(load({ ...BASE, gpuPools: [{ ...BASE.gpuPools[0], pricePerGpuHour: undefined }] }));
    expect(unpriced.model_list.find((m) => m.model_name === 'qwen-7b')!.model_info).toEqual({ mode: 'chat' });
    const eur = config(load({ ...BASE, cost: { currency: 'EUR' }, gateway: { hostedModels: [{ ...BASE.gateway.hostedModels[0], inputPricePerMillion: 0.1, outputPricePerMillion: 0.5 }] } }));
    for (const m of eur.model_list) expect(m.model_info, m.model_name).toEqual({ mode: 'chat' });
  });
});
