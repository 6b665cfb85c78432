import { describe, expect, it } from 'vitest';
import { mergeEnvironments as merge, type Json } from '../../environments/merge';

const mergeEnvironments = (a: object, b: object) => merge(a as Json, b as Json);

describe('mergeEnvironments', () => {
  it('merges objects deeply, the child winning', () => {
    // GIVEN a parent and a child that changes one nested field and adds another
    const parent = { kubernetes: { context: 'prod', configPath: '~/.kube/config' }, stage: 'prod' };
    const child = { kubernetes: { context: 'acme' } };
    // WHEN merged / THEN the sibling field is kept
    expect(mergeEnvironments(parent, child)).toEqual({
      kubernetes: { context: 'acme', configPath: '~/.kube/config' },
      stage: 'prod',
    });
  });

  it('merges lists of named items by name, appending new names in order', () => {
    const parent = { gpuPools: [{ name: 'a', gpu: 'h100-80gb', nodes: ['n1'] }, { name: 'b', gpu: 'l4-24gb' }] };
    const child = { gpuPools: [{ name: 'c', gpu: 't4-16gb' }, { name: 'a', nodes: ['n7', 'n8'] }] };
    expect(mergeEnvironments(parent, child)).toEqual({
      gpuPools: [
        { name: 'a', gpu: 'h100-80gb', nodes: ['n7', 'n8'] },
        { name: 'b', gpu: 'l4-24gb' },
        { name: 'c', gpu: 't4-16gb' },
      ],
    });
  });

  it('replaces lists that are not named, and empties a list with []', () => {
    expect(mergeEnvironments({ nodes: ['a', 'b'] }, { nodes: ['c'] })).toEqual({ nodes: ['c'] });
    expect(mergeEnvironments({ gpuPools: [{ name: 'a' }] }, { gpuPools: [] })).toEqual({ gpuPools: [] });
  });

  it('replaces an object whole when the child changes its type or mode', () => {
    const parent = { backend: { type: 's3', bucket: 'b', key: 'k', region: 'r' }, sharing: { mode: 'mig', profile: '1g.10gb' } };
    const child = { backend: { type: 'local' }, sharing: { mode: 'none' } };
    expect(mergeEnvironments(parent, child)).toEqual({ backend: { type: 'local' }, sharing: { mode: 'none' } });
    // the same discriminator still merges
    expect(mergeEnvironments(parent, { backend: { type: 's3', key: 'k2' } })).toEqual({
      backend: { type: 's3', bucket: 'b', key: 'k2', region: 'r' },
      sharing: parent.sharing,
    });
  });

  it('does not modify its inputs', () => {
    const parent = { gpuPools: [{ name: 'a', nodes: ['n1'] }] };
    const snapshot = structuredClone(parent);
    mergeEnvironments(parent, { gpuPools: [{ name: 'a', nodes: ['n2'] }] });
    expect(parent).toEqual(snapshot);
  });
});

describe('mergeEnvironments and prototype keys', () => {
  it('keeps __proto__ and constructor as plain keys: nothing reaches a prototype', () => {
    // GIVEN a child with the keys JSON.parse (and the YAML library) create as own properties
    const child = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "gpuPools": [{"name": "a", "__proto__": {"taint": false}}]}') as Json;
    const parent = { gpuPools: [{ name: 'a', taint: true }] } as Json;
    // WHEN merged
    const out = merge(parent, child) as Record<string, any>;
    // THEN the keys are data, the prototypes are untouched
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out.gpuPools[0])).toBe(Object.prototype);
    expect(out.gpuPools[0].taint).toBe(true);
    expect(Object.keys(out)).toEqual(['gpuPools', '__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
