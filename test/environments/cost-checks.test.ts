import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../environments/load';
import { MINIMAL, problemsOf, writeEnvs } from '../support/env';

const lines = (env: object) => problemsOf(writeEnvs({ env })['env']!).map(formatProblem).map((l) => l.replace(/^.*?\.yaml:/, ''));

describe('cost checks', () => {
  it('a hosted model with a price for one direction only', () => {
    const env = { ...MINIMAL, gateway: { hostedModels: [{ name: 'mini', provider: 'openai', model: 'gpt-4o-mini', apiKeySecret: { name: 'openai' }, inputPricePerMillion: 0.15 }] } };
    expect(lines(env)).toEqual([
      expect.stringMatching(/^\d+: gateway\.hostedModels\[0\]\.inputPricePerMillion: a price for one direction only; set outputPricePerMillion too .*or neither to leave "mini" to LiteLLM's price list$/),
    ]);
  });

  it('a monthly budget with no GPU price anywhere', () => {
    expect(lines({ ...MINIMAL, cost: { monthlyBudget: 1000 } })).toEqual([expect.stringMatching(/^\d+: cost\.monthlyBudget: a budget of 1000 with no GPU price: .*set pricePerGpuHour on the pools or cost\.gpuPrices$/)]);
  });

  it('shapes: a negative price, an unknown GPU kind, a currency that is not a code', () => {
    const env = { ...MINIMAL, gpuPools: [{ ...MINIMAL.gpuPools[0], pricePerGpuHour: 0 }], cost: { currency: 'usd', gpuPrices: { h100: 2 } } };
    const out = lines(env);
    expect(out).toContainEqual(expect.stringMatching(/gpuPools\[0\]\.pricePerGpuHour: 0 is not a price; use what one GPU costs for an hour, above 0/));
    expect(out).toContainEqual(expect.stringMatching(/cost\.currency: "usd" is not a currency code; use three capital letters, e\.g\. "USD"/));
    expect(out).toContainEqual(expect.stringMatching(/cost\.gpuPrices\.h100: unknown GPU "h100"; use one of: h100-80gb, h200-141gb, /));
  });
});
