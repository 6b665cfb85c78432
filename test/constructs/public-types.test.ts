/**
 * Public constructs name no private type: a public construct's declarations (its .d.ts, as tsc emits them)
 * import nothing from constructs/private/ (issue 15: ModelWorkload, ServerLoad appeared in public props).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/paths';

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
  it('expose no type from constructs/private/', { timeout: 120_000 }, () => {
    const dts = declarations();
    const wrong: string[] = [];
    for (const file of publicFiles) {
      const name = file.replace(/\.ts$/, '.d.ts');
      const text = dts.get(name);
      expect(text, name).toBeDefined();
      for (const m of text!.matchAll(/from '(\.\/private\/[^']+)'|import\("(\.\/private\/[^"]+)"\)/g)) {
        wrong.push(`${file.slice(REPO.length + 1)}: ${m[1] ?? m[2]!}`);
      }
    }
    expect([...new Set(wrong)]).toEqual([]);
  });
});
