/**
 * Reads one environment file, defensively: an environment file is code that a CI machine with cloud credentials
 * runs, so its author may be careless or hostile. Every rejection here is a located problem, found fast and in
 * bounded memory:
 * - only a regular file is read (not a directory, device or FIFO), at most MAX_FILE_BYTES of it;
 * - the bytes are UTF-8 (no silent U+FFFD), one YAML document;
 * - nesting is at most MAX_DEPTH levels, aliases expand to at most MAX_ALIAS_NODES values;
 * - no tags other than YAML's core ones (`!!python/object` and friends are refused, not ignored);
 * - no `__proto__`, `constructor` or `prototype` key, no `.inf`/`.nan`/`1e309`.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';

/**
 * The largest environment file read: 256 KiB (the presets are about 5 KiB). It bounds the parse: a flat file of
 * this size parses in about a second on a busy 2-core machine.
 */
export const MAX_FILE_BYTES = 256 * 1024;
/** Indentation past this many columns is refused before parsing (block nesting is indentation). */
export const MAX_INDENT = 256;
/** The deepest nesting accepted; the schema's deepest field is 6 levels down. */
export const MAX_DEPTH = 64;
/** The most values that aliases may add when expanded (a "billion laughs" file stops here). */
export const MAX_ALIAS_NODES = 10_000;
/** The most aliases (`*name`) in one file (resolving them is quadratic in the library). */
export const MAX_ALIASES = 1000;
/** Keys refused anywhere: they reach object prototypes in JavaScript. */
export const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** A problem found while reading, before the file is an object: its 1-based line and field path when known. */
export interface ReadProblem {
  readonly line?: number;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export interface ReadYaml {
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly text: string;
  readonly data: unknown;
}

/** Why a path cannot be read as an environment file, or its bytes. */
export type ReadBytes = { readonly bytes: Buffer } | { readonly problem: string };

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The bytes of a regular file of at most MAX_FILE_BYTES. Opened without blocking (a FIFO would wait for a writer),
 * checked with fstat on the open descriptor, then read up to the cap plus one byte: a file that grows while it is
 * read, or that reports no size (/proc), cannot make it read more.
 */
export function readFileCapped(file: string, cap = MAX_FILE_BYTES): ReadBytes {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { problem: `is ${kindOf(st)}, not an environment file; name a regular .yaml file` };
    if (st.size > cap) return { problem: `is ${st.size} bytes; environment files are at most ${cap} bytes` };
    const buf = Buffer.alloc(cap + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
      if (got > cap) return { problem: `is more than ${cap} bytes; environment files are at most ${cap} bytes` };
    }
    return { bytes: buf.subarray(0, got) };
  } catch (err) {
    return { problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  } finally {
    closeSync(fd);
  }
}

/** The offset of the first byte that is not part of valid UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
export function firstInvalidUtf8(b: Uint8Array): number | undefined {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (c >= 0xc2 && c <= 0xdf) [need, min, cp] = [1, 0x80, c & 0x1f];
    else if (c >= 0xe0 && c <= 0xef) [need, min, cp] = [2, 0x800, c & 0x0f];
    else if (c >= 0xf0 && c <= 0xf4) [need, min, cp] = [3, 0x10000, c & 0x07];
    else return i;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return undefined;
}

/** 1-based line of a byte offset. */
function lineOfByte(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) line++;
  return line;
}

/** A tag as the user wrote it: `!!python/object` rather than `tag:yaml.org,2002:python/object`. */
const showTag = (tag: string) => (tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag);

/** Decodes and parses; every problem located. */
export function parseYamlBytes(bytes: Uint8Array): ReadYaml | ReadProblem[] {
  if (bytes.length > MAX_FILE_BYTES) return [{ path: [], message: `is ${bytes.length} bytes; environment files are at most ${MAX_FILE_BYTES} bytes` }];
  const bad = firstInvalidUtf8(bytes);
  if (bad !== undefined) {
    const byte = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
    return [{ line: lineOfByte(bytes, bad), path: [], message: `byte 0x${byte} at offset ${bad} is not UTF-8; save the file as UTF-8` }];
  }
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const deep = tooDeep(text);
  if (deep) return [deep];
  const lines = new LineCounter();
  // Duplicate keys are found in checkTree, in one pass (the library's own check is quadratic in a mapping's size).
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false });
  const all = Array.isArray(docs) ? docs : [];
  if (all.length > 1) {
    return [
      {
        line: lines.linePos(all[1]!.range[0]).line,
        path: [],
        message: 'a second YAML document starts here; an environment file is one document: remove the "---" and what follows, or move it to a file of its own',
      },
    ];
  }
  const doc = all[0];
  if (!doc) return [{ line: 1, path: [], message: 'the file is empty; an environment file is a YAML mapping (name: ..., stage: ..., ...)' }];
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => ({
      line: e.linePos?.[0].line,
      path: [],
      message:
        e.code === 'RESOURCE_EXHAUSTION'
          ? `nested too deep to parse; no field of an environment file nests that deep`
          : `YAML syntax: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
    }));
  }
  const problems = checkTree(doc, text, lines);
  if (problems.length > 0) return problems;
  let data: unknown;
  try {
    // Aliases were counted above; the library's own count (uses x size per anchor) would refuse harmless files.
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    return [{ line: 1, path: [], message: `cannot be read as data: ${(err as Error).message}` }];
  }
  return { doc, lines, text, data };
}

/**
 * Nesting, bounded before parsing (the parser takes quadratic time, then overflows its stack, on deep nesting):
 * from the lexer's tokens, which know quoted scalars, flow collections deeper than MAX_DEPTH and indentation
 * (block nesting) past MAX_INDENT columns or MAX_DEPTH "- " / "? " on one line are refused.
 */
function tooDeep(text: string): ReadProblem | undefined {
  let line = 1;
  let flow = 0;
  let lineStart = true;
  let indicators = 0;
  const problem = (what: string): ReadProblem => ({ line, path: [], message: `${what}; no field of an environment file nests that deep` });
  for (const tok of new Lexer().lex(text)) {
    if (tok === '[' || tok === '{') {
      if (++flow > MAX_DEPTH) return problem(`nested deeper than ${MAX_DEPTH} levels`);
    } else if (tok === ']' || tok === '}') {
      flow = Math.max(0, flow - 1);
    } else if (lineStart && /^[ \t]+$/.test(tok)) {
      if (tok.length > MAX_INDENT) return problem(`indented more than ${MAX_INDENT} columns`);
      continue;
    } else if (lineStart && (tok === '-' || tok === '?')) {
      if (++indicators > MAX_DEPTH) return problem(`nested deeper than ${MAX_DEPTH} levels`);
      continue;
    }
    const newlines = tok.split('\n').length - 1;
    if (newlines > 0) {
      line += newlines;
      lineStart = true;
      indicators = 0;
    } else if (tok.length > 0 && tok.charCodeAt(0) >= 0x20) {
      lineStart = false;
    }
  }
  return undefined;
}

/**
 * One iterative walk of the document, aliases followed (with a budget): depth, tags, keys, numbers. Stops at the
 * first problem of a kind that can repeat without end (depth, alias budget).
 */
function checkTree(doc: Document, text: string, lines: LineCounter): ReadProblem[] {
  const problems: ReadProblem[] = [];
  const lineAt = (n: { range?: readonly number[] | null } | null | undefined) => (n?.range ? lines.linePos(n.range[0]!).line : undefined);
  // Unresolved tags are reported below, with their field; any other warning is a problem of its own.
  for (const w of doc.warnings.filter((x) => x.code !== 'TAG_RESOLVE_FAILED')) {
    problems.push({ line: w.linePos?.[0].line, path: [], message: `YAML: ${w.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` });
  }

  // Aliases resolved once, in document order: each names the last anchor of its name before it.
  const targets = new Map<unknown, unknown>();
  const anchors = new Map<string, unknown>();
  const order: unknown[] = [doc.contents];
  let aliases = 0;
  while (order.length > 0) {
    const node = order.pop();
    if (isAlias(node)) {
      if (++aliases > MAX_ALIASES) return [{ line: lineAt(node), path: [], message: `more than ${MAX_ALIASES} aliases; write the values out, or use fewer aliases` }];
      targets.set(node, anchors.get(node.source));
      continue;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.set(anchor, node);
    if (isSeq(node)) for (let i = node.items.length - 1; i >= 0; i--) order.push(node.items[i]);
    else if (isMap(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        order.push(node.items[i]!.value);
        order.push(node.items[i]!.key);
      }
    }
  }

  type Item = { node: unknown; path: (string | number)[]; depth: number; viaAlias: number | undefined; keyLine?: number };
  const stack: Item[] = [{ node: doc.contents, path: [], depth: 0, viaAlias: undefined }];
  let aliasNodes = 0;
  while (stack.length > 0) {
    const { node, path, depth, viaAlias, keyLine } = stack.pop()!;
    if (node === null || node === undefined) continue;
    const here = lineAt(node as Node) ?? viaAlias;
    if (depth > MAX_DEPTH) {
      return [{ line: here, path: path.slice(0, 1), message: `nested deeper than ${MAX_DEPTH} levels; no field of an environment file nests that deep` }];
    }
    if (viaAlias !== undefined && ++aliasNodes > MAX_ALIAS_NODES) {
      return [{ line: viaAlias, path: path.slice(0, 1), message: `aliases expand to more than ${MAX_ALIAS_NODES} values; write the values out, or use fewer aliases` }];
    }
    if (isAlias(node)) {
      const target = targets.get(node);
      if (!target) continue; // an unknown anchor is a parse error, reported already
      stack.push({ node: target, path, depth, viaAlias: viaAlias ?? lineAt(node) });
      continue;
    }
    const tag = (node as { tag?: string }).tag;
    if (tag !== undefined && !CORE_TAGS.has(tag) && viaAlias === undefined) {
      problems.push({ line: keyLine ?? here, path, message: `tag ${JSON.stringify(showTag(tag))} is not allowed; environment files hold plain strings, numbers, booleans, lists and mappings: remove the tag` });
    }
    if (isScalar(node)) {
      if (typeof node.value === 'number' && !Number.isFinite(node.value) && viaAlias === undefined) {
        const written = node.range ? text.slice(node.range[0], node.range[1]).trim() : String(node.value);
        problems.push({ line: here, path, message: `${written} is not a finite number; write a plain number such as 1 or 0.5` });
      }
      continue;
    }
    if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i], path: [...path, i], depth: depth + 1, viaAlias });
      continue;
    }
    if (isMap(node)) {
      const keys = new Map<string, number | undefined>();
      if (viaAlias === undefined) {
        for (const pair of node.items) {
          if (!isScalar(pair.key)) continue;
          const k = String(pair.key.value);
          const line = lineAt(pair.key);
          if (keys.has(k)) {
            problems.push({ line, path: [...path, k], message: `${JSON.stringify(k)} is set twice in one mapping (also line ${keys.get(k)}); keep one` });
          } else keys.set(k, line);
        }
      }
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i]!;
        if (!isPair(pair)) continue;
        const key = pair.key;
        const keyValue = isScalar(key) ? key.value : undefined;
        if (key !== null && key !== undefined && !isScalar(key) && viaAlias === undefined) {
          problems.push({ line: lineAt(key as Node) ?? here, path, message: 'a key is a list or a mapping; keys are plain names' });
          continue;
        }
        const name = typeof keyValue === 'string' ? keyValue : String(keyValue);
        if ((FORBIDDEN_KEYS as readonly string[]).includes(name) && viaAlias === undefined) {
          problems.push({ line: lineAt(key as Node) ?? here, path: [...path, name], message: `${JSON.stringify(name)} is not a field; remove it (__proto__, constructor and prototype are refused as keys)` });
          continue;
        }
        if (isScalar(key) && key.tag !== undefined && !CORE_TAGS.has(key.tag) && viaAlias === undefined) {
          problems.push({ line: lineAt(key), path: [...path, name], message: `tag ${JSON.stringify(showTag(key.tag))} is not allowed; environment files hold plain strings, numbers, booleans, lists and mappings: remove the tag` });
        }
        stack.push({ node: pair.value, path: [...path, name], depth: depth + 1, viaAlias, keyLine: lineAt(key as Node) });
      }
      continue;
    }
  }
  return problems;
}
