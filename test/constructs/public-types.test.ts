/**
 * Public constructs name no private type: what a public construct's declarations (its .d.ts, as tsc emits them)
 * import from constructs/private/ is only the library re-exports (cdktf.ts, bindings.ts), never the project's own
 * private classes and types (issue 15: ModelWorkload, ServerLoad appeared in public props).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/paths';

const LIBRARY_REEXPORTS = new Set(['./private/cdktf', './private/bindings']);
const publicFiles = readdirSync(join(REPO, 'constructs'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(REPO, 'constructs', f));

function declarations(): Map<string, string> {
  const out = new Map<string, string>();
  const program = ts.createProgram(publicFiles, {
    declaration: true,
    emitDeclarationOnly: true,
    skipLibCheck: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    experimentalDecorators: true,
  });
  program.emit(undefined, (file, text) => out.set(file, text), undefined, true);
  return out;
}

describe('public constructs', () => {
  it('expose no type from constructs/private/ but the library re-exports', { timeout: 120_000 }, () => {
    const dts = declarations();
    const wrong: string[] = [];
    for (const file of publicFiles) {
      const name = file.replace(/\.ts$/, '.d.ts');
      const text = dts.get(name);
      expect(text, name).toBeDefined();
      for (const m of text!.matchAll(/from '(\.\/private\/[^']+)'|import\("(\.\/private\/[^"]+)"\)/g)) {
        const spec = m[1] ?? m[2]!;
        if (!LIBRARY_REEXPORTS.has(spec)) wrong.push(`${file.slice(REPO.length + 1)}: ${spec}`);
      }
    }
    expect([...new Set(wrong)]).toEqual([]);
  });
});
