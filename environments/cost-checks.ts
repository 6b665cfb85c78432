/**
 * Cross-field checks of prices (catalog/cost.ts reads them): GPU prices name catalogue GPUs, a hosted model's list
 * prices come in pairs, and a monthly budget needs something to count.
 */
import { GPUS, GPU_KEYS } from '../catalog/gpus';
import type { Shape } from './shapes';

type Add = (path: (string | number)[], message: string) => void;

export function checkCost(env: Pick<Shape, 'gateway' | 'gpuPools' | 'cost'>, add: Add): void {
  env.gateway.hostedModels.forEach((h, i) => {
    const input = h.inputPricePerMillion !== undefined;
    const output = h.outputPricePerMillion !== undefined;
    if (input !== output) {
      const missing = input ? 'outputPricePerMillion' : 'inputPricePerMillion';
      add(['gateway', 'hostedModels', i, input ? 'inputPricePerMillion' : 'outputPricePerMillion'], `a price for one direction only; set ${missing} too (the provider's list price per million tokens), or neither to leave ${JSON.stringify(h.name)} to LiteLLM's price list`);
    }
  });
  const cost = env.cost;
  for (const key of Object.keys(cost?.gpuPrices ?? {})) {
    if (!GPUS[key]) add(['cost', 'gpuPrices', key], `unknown GPU ${JSON.stringify(key)}; use one of: ${GPU_KEYS.join(', ')}`);
  }
  if (cost?.monthlyBudget !== undefined && env.gpuPools.length > 0 && !env.gpuPools.some((p) => p.pricePerGpuHour !== undefined || cost.gpuPrices[p.gpu] !== undefined)) {
    add(['cost', 'monthlyBudget'], `a budget of ${cost.monthlyBudget} with no GPU price: the burn alert would count the gateway's hosted spend only; set pricePerGpuHour on the pools or cost.gpuPrices`);
  }
}
