/**
 * Loads an environment file: reads the YAML, resolves `extends`, merges, validates, and reports every problem as
 * `<file>:<line>: <field path>: <message>`, pointing at the file in the chain that set the offending value.
 */
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { isMap, isScalar, type Document, type LineCounter } from 'yaml';
import type { z } from 'zod';
import { projectPath } from '../lib/project-root';
import { isNamedList, isPlainObject, mergeEnvironments, type Json } from './merge';
import { environmentWarnings } from './alerting-checks';
import { startupWarnings } from './startup-checks';
import { parseYamlBytes, readFileCapped } from './read-yaml';
import { resolveEnvironment, type ResolvedEnvironment } from './resolve';
import { EnvironmentSchema, show, type Environment } from './schema';

/** The folder of the shipped presets (and of users' environment files). */
export const ENVIRONMENTS_DIR = projectPath('environments');

export interface Problem {
  /** The file the problem is in, relative to the working directory. */
  readonly file: string;
  /** 1-based line, when the field is in the file. */
  readonly line?: number;
  /** Field path in the user's terms: `gpuPools[0].gpu`. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.path || '(file)'}: ${p.message}`;
}

/** An environment that cannot be used; `problems` lists all that was found, not only the first. */
export class EnvironmentError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'EnvironmentError';
  }
}

export interface LoadedEnvironment {
  /** The environment file, as given (absolute). */
  readonly file: string;
  /** The files it was merged from, the file itself first, then what it extends. */
  readonly chain: readonly string[];
  readonly env: Environment;
  /** The environment with every default and plan decided (environments/resolve.ts): what the stacks map. */
  readonly resolved: ResolvedEnvironment;
  /** What is valid but should be fixed (alerts that reach no one, deprecated fields), located like problems. */
  readonly warnings: readonly Problem[];
  /**
   * Where a field of the merged environment was written: the file of the chain that set it (the most derived
   * one), its line, and its path as that file has it. For a field no file sets, the closest enclosing field.
   */
  readonly locate: (path: readonly (string | number)[]) => { readonly file: string; readonly line?: number; readonly path: string };
}

interface Source {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly data: Record<string, Json>;
}

type Segment = string | number;
type Step = string | number | { readonly name: string; readonly nth: number };

export const displayPath = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel === '' || isAbsolute(rel) ? file : rel;
};

export function formatPath(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** The line of a field: its key's line (a block mapping's value starts a line below), else its value's. */
function lineOf(src: Source, path: readonly Segment[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const last = path[n - 1];
    if (typeof last === 'string') {
      const parent = n === 1 ? src.doc.contents : src.doc.getIn(path.slice(0, n - 1), true);
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === last) : undefined;
      const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (keyRange) return src.lines.linePos(keyRange[0]).line;
    }
    const node = n === 0 ? src.doc.contents : src.doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return src.lines.linePos(range[0]).line;
  }
  return undefined;
}

/** A file that could not be opened as an environment file (its bytes never read), or problems in its content. */
type ReadFailure = { readonly unreadable: string } | { readonly problems: Problem[] };

function readSource(file: string): Source | ReadFailure {
  const shown = displayPath(file);
  const read = readFileCapped(file);
  if ('problem' in read) return { unreadable: read.problem };
  const parsed = parseYamlBytes(read.bytes);
  if (Array.isArray(parsed)) {
    return { problems: parsed.map((p) => ({ file: shown, line: p.line, path: formatPath(p.path), message: p.message })) };
  }
  const { doc, lines, data } = parsed;
  if (!isPlainObject(data)) {
    return { problems: [{ file: shown, line: 1, path: '', message: 'an environment file is a YAML mapping (name: ..., stage: ..., ...); this one is not' }] };
  }
  return { file, doc, lines, data };
}

/** What one item of each named list is called in messages. */
const ITEM_NOUNS: Record<string, string> = {
  gpuPools: 'pool',
  models: 'model',
  embeddings: 'embedding',
  hostedModels: 'hosted model',
  teams: 'team',
  keys: 'key',
  collections: 'collection',
};

/**
 * Names repeated inside one list of one file. Merging by name is for `extends` only: two items of one name in one
 * file would silently merge into one (the second overwriting the first), so they are refused before merging.
 */
function duplicateNames(src: Source): Problem[] {
  const problems: Problem[] = [];
  const walk = (value: Json, path: Segment[]) => {
    if (Array.isArray(value)) {
      const first = new Map<string, number>();
      value.forEach((item, i) => {
        const name = isPlainObject(item) ? item.name : undefined;
        if (typeof name === 'string') {
          const j = first.get(name);
          if (j === undefined) first.set(name, i);
          else {
            const key = path[path.length - 1];
            const noun = (typeof key === 'string' && ITEM_NOUNS[key]) || 'item';
            problems.push({
              file: displayPath(src.file),
              line: lineOf(src, [...path, i, 'name']),
              path: formatPath([...path, i, 'name']),
              message: `duplicate ${noun} name ${show(name)} (also ${formatPath([...path, j])}, line ${lineOf(src, [...path, j, 'name'])}); give each ${noun} of a file its own name`,
            });
          }
        }
        walk(item, [...path, i]);
      });
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(src.data, []);
  return problems;
}

/** Where `extends: <ref>` points: a preset name, or a path relative to the extending file. */
export function resolveExtends(ref: string, fromFile: string, presetsDir: string): string {
  const looksLikePath = ref.includes('/') || ref.includes('\\') || ['.yaml', '.yml'].includes(extname(ref));
  return looksLikePath ? resolve(dirname(fromFile), ref) : join(presetsDir, `${ref}.yaml`);
}

/** Turns a path in the merged data into steps that name list items (`gpuPools[{name: h100}]`). */
function logicalSteps(merged: Json, path: readonly Segment[]): Step[] {
  const steps: Step[] = [];
  let cur: Json | undefined = merged;
  for (const seg of path) {
    if (typeof seg === 'number' && isNamedList(cur)) {
      // nth: a file may (wrongly) repeat a name; point at the same repetition.
      const name = cur[seg]?.name ?? '';
      steps.push({ name, nth: cur.slice(0, seg).filter((item) => item.name === name).length });
    } else {
      steps.push(seg);
    }
    cur = cur === undefined || cur === null || typeof cur !== 'object' ? undefined : ((cur as Record<string, Json>)[seg as string] as Json | undefined);
  }
  return steps;
}

/** The longest start of `steps` that one file's data sets, as a concrete path in that file. */
function concretePrefix(data: Json, steps: readonly Step[]): Segment[] {
  const out: Segment[] = [];
  let cur: Json | undefined = data;
  for (const step of steps) {
    if (typeof step === 'object') {
      if (!Array.isArray(cur)) return out;
      const list: Json[] = cur;
      const named = (o: Json) => isPlainObject(o) && o.name === step.name;
      const i = list.findIndex((item, k) => named(item) && list.slice(0, k).filter(named).length === step.nth);
      if (i < 0) return out;
      out.push(i);
      cur = cur[i];
    } else {
      if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, step)) return out;
      out.push(step);
      cur = (cur as Record<string, Json>)[step as string] as Json;
    }
  }
  return out;
}

/** Steps written back as a path: a named item not in any file keeps its index in the merged list. */
function stepsPath(steps: readonly Step[], merged: readonly Segment[]): Segment[] {
  return steps.map((s, i) => (typeof s === 'object' ? (merged[i] as number) : s));
}

/**
 * The file and path to blame for a merged path: the most derived file that sets the whole path; else the file
 * that sets the longest start of it (the most derived one on a tie), with the rest of the path appended.
 */
function blame(chain: readonly Source[], merged: Json, path: readonly Segment[]): { src: Source; at: Segment[]; exact: boolean } {
  // `name` is never inherited: it is the leaf's own, or its file name.
  if (path[0] === 'name') return { src: chain[0]!, at: [...path], exact: Object.hasOwn(chain[0]!.data, 'name') };
  const steps = logicalSteps(merged, path);
  let best: { src: Source; at: Segment[] } | undefined;
  for (const src of chain) {
    const at = concretePrefix(src.data, steps);
    if (at.length === steps.length) return { src, at, exact: true };
    if (!best || at.length > best.at.length) best = { src, at };
  }
  const { src, at } = best!;
  return { src, at: [...at, ...stepsPath(steps.slice(at.length), path.slice(at.length))], exact: false };
}

function valueAt(data: Json, path: readonly Segment[]): unknown {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg as string];
  }
  return cur;
}

/** The message of one zod issue, in the user's terms, with the value it was given. */
function messageOf(issue: z.core.$ZodIssue, value: unknown): string {
  // Our schema's own messages already name the value and the fix; reword only zod's generic ones.
  if (!/^(Invalid|Too small|Too big|Unrecognized)/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `is required; add it (${issue.expected})`;
      return `expected ${issue.expected}, got ${show(value)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(show).join(', ')}; remove it or fix its spelling (environments/schema.json lists the fields)`;
    case 'too_small':
      if (issue.origin === 'array') return `${issue.message}`;
      return `${show(value)} is below the minimum ${issue.minimum}; use ${issue.minimum} or more`;
    case 'too_big':
      return `${show(value)} is above the maximum ${issue.maximum}; use ${issue.maximum} or less`;
    case 'invalid_value':
      return `${show(value)} is not allowed; use one of: ${issue.values.map((v) => show(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/** Lays the chain over each other, root first; `name` and `extends` are never inherited. */
function mergeChain(datas: readonly Record<string, Json>[], leafFile: string): Record<string, Json> {
  let merged: Json = {};
  for (const d of [...datas].reverse()) merged = mergeEnvironments(merged, d);
  const data = merged as Record<string, Json>;
  delete data.extends;
  data.name = datas[0]!.name ?? basename(leafFile, extname(leafFile));
  return data;
}

/** `data` without the value at `path` (a copy). */
function without(data: Record<string, Json>, path: readonly Segment[]): Record<string, Json> {
  const copy = structuredClone(data);
  let cur: Json = copy;
  for (const seg of path.slice(0, -1)) cur = (cur as Record<string, Json>)[seg as string] as Json;
  const last = path[path.length - 1]!;
  if (Array.isArray(cur)) cur.splice(last as number, 1);
  else delete (cur as Record<string, Json>)[last as string];
  return copy;
}

/** The paths of the values a file sets (a named item's `name` says what it is laid over, it is not a change). */
function valuesSet(data: Json, path: Segment[] = [], out: Segment[][] = [], inItem = false): Segment[][] {
  if (out.length > 200) return out;
  if (isNamedList(data)) data.forEach((item, i) => valuesSet(item, [...path, i], out, true));
  else if (isPlainObject(data)) {
    for (const [k, v] of Object.entries(data)) {
      if (path.length === 0 && (k === 'extends' || k === 'name')) continue;
      if (inItem && k === 'name') continue;
      valuesSet(v, [...path, k], out);
    }
  } else out.push(path);
  return out;
}

/** The name of the deepest named item on a path, as ` ("name")`, or nothing. */
function itemName(merged: Json, path: readonly Segment[]): string {
  let cur: unknown = merged;
  let name = '';
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') break;
    cur = (cur as Record<string, unknown>)[seg as string];
    if (typeof seg === 'number' && isPlainObject(cur) && typeof cur.name === 'string') name = ` (${show(cur.name)})`;
  }
  return name;
}

/**
 * For a problem found in an inherited item: the value a more derived file set that causes it (without that value
 * the problem is gone), so that a fork that changes a pool is told, not the preset whose model stopped fitting.
 */
function causeInForks(chain: readonly Source[], origin: number, leafFile: string, steps: string, budget: { parses: number }): { src: Source; at: Segment[] } | undefined {
  for (let f = 0; f < origin; f++) {
    const src = chain[f]!;
    for (const at of valuesSet(src.data)) {
      if (budget.parses-- <= 0) return undefined;
      const datas = chain.map((s, k) => (k === f ? without(s.data, at) : s.data));
      const merged = mergeChain(datas, leafFile);
      const parsed = EnvironmentSchema.safeParse(merged);
      if (parsed.success) return { src, at };
      const keys = parsed.error.issues.map((i) => JSON.stringify(logicalSteps(merged, i.path.filter((x): x is Segment => typeof x !== 'symbol'))));
      if (!keys.includes(steps)) return { src, at };
    }
  }
  return undefined;
}

/** Loads, merges and validates one environment file; throws EnvironmentError listing every problem. */
export function loadEnvironment(file: string, presetsDir: string = ENVIRONMENTS_DIR): LoadedEnvironment {
  const leafFile = resolve(file);
  const chain: Source[] = [];
  const seen = new Set<string>();
  let current = leafFile;
  for (;;) {
    const prev = chain[chain.length - 1];
    if (seen.has(current)) {
      throw new EnvironmentError([
        {
          file: displayPath(prev!.file),
          line: lineOf(prev!, ['extends']),
          path: 'extends',
          message: `${show(prev!.data.extends)} leads back to ${displayPath(current)}: an extends loop; remove one of the extends`,
        },
      ]);
    }
    seen.add(current);
    const src = readSource(current);
    if ('unreadable' in src) {
      const missing = src.unreadable === 'no such file';
      if (!prev) {
        throw new EnvironmentError([{ file: displayPath(current), path: '', message: missing ? 'no such file; give a preset name or a path to an environment file' : src.unreadable }]);
      }
      // The file that named it is the one to fix: point at its extends line.
      throw new EnvironmentError([
        {
          file: displayPath(prev.file),
          line: lineOf(prev, ['extends']),
          path: 'extends',
          message: missing
            ? `${show(prev.data.extends)} names no file (looked for ${displayPath(current)}); use a preset name (dev, staging, prod) or a path relative to this file`
            : `${show(prev.data.extends)} ${src.unreadable}`,
        },
      ]);
    }
    if ('problems' in src) throw new EnvironmentError(src.problems);
    const duplicates = duplicateNames(src);
    if (duplicates.length > 0) throw new EnvironmentError(duplicates);
    chain.push(src);
    const ref = src.data.extends;
    if (ref === undefined) break;
    if (typeof ref !== 'string' || ref === '') {
      throw new EnvironmentError([
        { file: displayPath(src.file), line: lineOf(src, ['extends']), path: 'extends', message: `${show(ref)} is not a preset name or a path` },
      ]);
    }
    current = resolveExtends(ref, src.file, presetsDir);
  }

  const merged = mergeChain(chain.map((s) => s.data), leafFile);
  const locate = (path: readonly Segment[]) => {
    const { src, at } = blame(chain, merged, path);
    return { file: displayPath(src.file), line: lineOf(src, at), path: formatPath(at) };
  };

  const parsed = EnvironmentSchema.safeParse(merged);
  if (parsed.success) {
    const resolved = resolveEnvironment(parsed.data);
    const warnings = [...environmentWarnings(parsed.data), ...startupWarnings(resolved)].map((w) => ({ ...locate(w.path), message: w.message }));
    return { file: leafFile, chain: chain.map((s) => s.file), env: parsed.data, resolved, warnings, locate };
  }
  let searches = 0;
  // Re-validations spent looking for causes in forks, all problems together (each takes milliseconds).
  const budget = { parses: 300 };
  const problems = parsed.error.issues.map((issue): Problem => {
    const path = issue.path.filter((s): s is Segment => typeof s !== 'symbol');
    const message = messageOf(issue, valueAt(merged, path));
    const { src, at, exact } = blame(chain, merged, path);
    const origin = chain.indexOf(src);
    // A cross-field problem in an inherited item: is it caused by what a more derived file changed?
    if (issue.code === 'custom' && exact && origin > 0 && searches++ < 10) {
      const cause = causeInForks(chain, origin, leafFile, JSON.stringify(logicalSteps(merged, path)), budget);
      if (cause) {
        const item = itemName(merged, path);
        return {
          file: displayPath(cause.src.file),
          line: lineOf(cause.src, cause.at),
          path: formatPath(cause.at),
          message: `this breaks ${formatPath(at)}${item}, inherited from ${displayPath(src.file)}:${lineOf(src, at)}: ${message}`,
        };
      }
    }
    const fromFileName = path[0] === 'name' && !exact ? `; the name comes from the file name: add a name: line, or rename the file` : '';
    return { file: displayPath(src.file), line: fromFileName ? undefined : lineOf(src, at), path: formatPath(at), message: `${message}${fromFileName}` };
  });
  throw new EnvironmentError(problems);
}
