/**
 * Loads an environment file: reads the YAML, resolves `extends`, merges, validates, and reports every problem as
 * `<file>:<line>: <field path>: <message>`, pointing at the file in the chain that set the offending value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { Document, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { projectPath } from '../charts/private/project-root';
import { isNamedList, isPlainObject, mergeEnvironments, type Json } from './merge';
import { environmentWarnings } from './alerting-checks';
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
  /** What is valid but should be fixed (alerts that reach no one, deprecated fields), located like problems. */
  readonly warnings: readonly Problem[];
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

function lineOf(src: Source, path: readonly Segment[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? src.doc.contents : src.doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return src.lines.linePos(range[0]).line;
  }
  return undefined;
}

function readSource(file: string): Source | Problem[] {
  const lines = new LineCounter();
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return [{ file: shown, path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }];
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => ({
      file: shown,
      line: e.linePos?.[0].line,
      path: '',
      message: `YAML syntax: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
    }));
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!isPlainObject(data)) {
    return [{ file: shown, line: 1, path: '', message: 'an environment file is a YAML mapping (name: ..., stage: ..., ...); this one is not' }];
  }
  return { file, doc, lines, data };
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

/** The concrete path of `steps` in one file's data, or undefined when the file does not set that field. */
function concretePath(data: Json, steps: readonly Step[]): Segment[] | undefined {
  const out: Segment[] = [];
  let cur: Json | undefined = data;
  for (const step of steps) {
    if (typeof step === 'object') {
      if (!Array.isArray(cur)) return undefined;
      const list: Json[] = cur;
      const named = (o: Json) => isPlainObject(o) && o.name === step.name;
      const i = list.findIndex((item, k) => named(item) && list.slice(0, k).filter(named).length === step.nth);
      if (i < 0) return undefined;
      out.push(i);
      cur = cur[i];
    } else {
      if (cur === null || typeof cur !== 'object') return undefined;
      const next: Json | undefined = (cur as Record<string, Json>)[step as string];
      if (next === undefined) return undefined;
      out.push(step);
      cur = next;
    }
  }
  return out;
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

/** Loads, merges and validates one environment file; throws EnvironmentError listing every problem. */
export function loadEnvironment(file: string, presetsDir: string = ENVIRONMENTS_DIR): LoadedEnvironment {
  const leafFile = resolve(file);
  const chain: Source[] = [];
  const seen = new Set<string>();
  let current = leafFile;
  for (;;) {
    if (seen.has(current)) {
      const prev = chain[chain.length - 1]!;
      throw new EnvironmentError([
        {
          file: displayPath(prev.file),
          line: lineOf(prev, ['extends']),
          path: 'extends',
          message: `${show(prev.data.extends)} leads back to ${displayPath(current)}: an extends loop; remove one of the extends`,
        },
      ]);
    }
    seen.add(current);
    if (!existsSync(current)) {
      const prev = chain[chain.length - 1];
      if (!prev) throw new EnvironmentError([{ file: displayPath(current), path: '', message: 'no such file; give a preset name or a path to an environment file' }]);
      throw new EnvironmentError([
        {
          file: displayPath(prev.file),
          line: lineOf(prev, ['extends']),
          path: 'extends',
          message: `${show(prev.data.extends)} names no file (looked for ${displayPath(current)}); use a preset name (dev, staging, prod) or a path relative to this file`,
        },
      ]);
    }
    const src = readSource(current);
    if (Array.isArray(src)) throw new EnvironmentError(src);
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

  // Root first, the leaf last; `name` and `extends` are never inherited.
  let merged: Json = {};
  for (const src of [...chain].reverse()) merged = mergeEnvironments(merged, src.data);
  const leaf = chain[0]!;
  const data = merged as Record<string, Json>;
  delete data.extends;
  data.name = leaf.data.name ?? basename(leafFile, extname(leafFile));

  // A path in the merged data, located in the file of the chain that set it (the leaf when none did).
  const locate = (path: readonly Segment[], message: string): Problem => {
    const steps = logicalSteps(merged, path);
    const origin = chain.map((src) => ({ src, at: concretePath(src.data, steps) })).find((o) => o.at !== undefined);
    const src = origin?.src ?? leaf;
    const at = origin?.at ?? path;
    return { file: displayPath(src.file), line: lineOf(src, at), path: formatPath(at), message };
  };

  const parsed = EnvironmentSchema.safeParse(data);
  if (parsed.success) {
    const warnings = environmentWarnings(parsed.data).map((w) => locate(w.path, w.message));
    return { file: leafFile, chain: chain.map((s) => s.file), env: parsed.data, warnings };
  }
  const problems = parsed.error.issues.map((issue): Problem => {
    const path = issue.path.filter((s): s is Segment => typeof s !== 'symbol');
    return locate(path, messageOf(issue, valueAt(merged, path)));
  });
  throw new EnvironmentError(problems);
}
