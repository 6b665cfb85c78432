/**
 * How an environment file is laid over the one it `extends`:
 * - objects merge deeply, key by key;
 * - lists of named items (every item an object with a string `name`: gpuPools, models, ...) merge by `name`:
 *   an item of the child is laid over the parent's item of that name, new names are appended in the child's order;
 * - an object whose discriminator (`type` or `mode`) the child changes is replaced whole: `backend: {type: local}`
 *   over an s3 backend does not keep the bucket;
 * - every other value, other lists included, is replaced by the child's (`[]` empties a list).
 * Keys are written as own properties (never through a setter) and read only when they are the object's own, so a
 * `__proto__` or `constructor` key cannot reach a prototype, whatever the loader let through.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isPlainObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when every item is an object with a string `name` (an empty list is not named: it replaces). */
export function isNamedList(v: unknown): v is Array<Record<string, Json> & { name: string }> {
  return Array.isArray(v) && v.length > 0 && v.every((item) => isPlainObject(item) && typeof item.name === 'string');
}

const DISCRIMINATORS = ['type', 'mode'] as const;

/** `obj[key] = value` as an own data property: `__proto__` stays a plain key instead of setting the prototype. */
function setOwn(obj: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function mergeEnvironments(base: Json, over: Json): Json {
  if (isPlainObject(base) && isPlainObject(over)) {
    if (DISCRIMINATORS.some((d) => Object.hasOwn(over, d) && Object.hasOwn(base, d) && over[d] !== base[d])) return over;
    const out: Record<string, Json> = { ...base };
    for (const [key, value] of Object.entries(over)) {
      setOwn(out, key, Object.hasOwn(base, key) ? mergeEnvironments(base[key] as Json, value) : value);
    }
    return out;
  }
  if (isNamedList(base) && isNamedList(over)) {
    const out = base.map((item) => ({ ...item }) as Json);
    const byName = new Map<string, number>(base.map((item, i) => [item.name, i]));
    for (const item of over) {
      const i = byName.get(item.name);
      if (i === undefined) {
        byName.set(item.name, out.length);
        out.push(item);
      } else {
        out[i] = mergeEnvironments(out[i] as Json, item);
      }
    }
    return out;
  }
  return over;
}
