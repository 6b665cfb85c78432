import { describe, expect, it } from 'vitest';
import { toValuesYaml } from '../../lib/values-yaml';

describe('toValuesYaml', () => {
  it('sorts keys at every level and keeps list order', () => {
    expect(toValuesYaml({ b: 1, a: { d: [3, 1], c: 'x' } })).toBe('a:\n  c: x\n  d:\n    - 3\n    - 1\nb: 1\n');
  });

  it('gives the same bytes whatever order the keys were set in', () => {
    expect(toValuesYaml({ x: 1, y: { p: true, q: 'v' } })).toBe(toValuesYaml({ y: { q: 'v', p: true }, x: 1 }));
  });
});
