/** The catalogue's image runtime facts agree with images.json (facts/upstream, from ../shared/upstream) and with the stacks that use them. */
import { describe, expect, it } from 'vitest';
import { IMAGES, ROOT_ONLY_IMAGES, imageRef, rootOnlyReason } from '../../catalog/images';
import { MODELS_NAMESPACE_POD_SECURITY } from '../../environments/model-checks';
import { presetEnv, resourcesOf, synthEnvJson } from '../support/synth';
import { readFacts } from '../support/upstream';

type ImageFacts = { runsAsNonRoot: { value: boolean | string; why: string } };
const upstream = readFacts<{ images: Record<string, ImageFacts> }>('images.json');

describe('images that run only as root', () => {
  it('lists exactly the pinned server images that images.json says cannot run as non-root', () => {
    const servers = [IMAGES.vllm, IMAGES.tgi, IMAGES.ollama, IMAGES.caddy, IMAGES.python];
    const rootOnly = servers.filter((pin) => upstream.images[imageRef(pin)]?.runsAsNonRoot.value === false).map((pin) => pin.repository);
    expect(rootOnly).toEqual([IMAGES.tgi.repository]);
    expect(Object.keys(ROOT_ONLY_IMAGES)).toEqual(rootOnly);
    // the reason we print names the upstream issue that images.json cites
    expect(upstream.images[imageRef(IMAGES.tgi)]!.runsAsNonRoot.why).toContain('#3082');
    expect(rootOnlyReason(IMAGES.tgi)).toContain('#3082');
  });

  it('matches the upstream repository whatever the tag, and not a derived image', () => {
    expect(rootOnlyReason({ repository: 'ghcr.io/huggingface/text-generation-inference' })).toBeDefined();
    expect(rootOnlyReason({ repository: 'registry.example.com/ml/text-generation-inference-nonroot' })).toBeUndefined();
    expect(rootOnlyReason({ repository: IMAGES.vllm.repository })).toBeUndefined();
  });

  it('checks against the level the models namespace really enforces', () => {
    const namespaces = synthEnvJson(presetEnv('dev'))['dev-namespaces']!;
    const ns = resourcesOf(namespaces, 'kubernetes_namespace_v1').find((n) => (n.metadata as { name: string }).name === 'models');
    expect((ns!.metadata as { labels: Record<string, string> }).labels['pod-security.kubernetes.io/enforce']).toBe(MODELS_NAMESPACE_POD_SECURITY);
  });
});
