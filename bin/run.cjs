#!/usr/bin/env node
/**
 * Runs a command of the project: node bin/run.cjs synth|check|console [args...]
 * - In a checkout (the TypeScript sources are here): from a bundle (dist/<command>.cjs) that esbuild rebuilds (tens
 *   of milliseconds) only when a source file is newer than it, so the inner loop pays neither for TypeScript
 *   compilation nor for a TypeScript loader.
 * - In an installed package (no sources, only what `npm run build` compiled): from dist/bin/<command>.js, with no
 *   TypeScript loader or bundler at run time (esbuild is a dev dependency).
 */
'use strict';
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const ENTRIES = { synth: 'bin/synth.ts', check: 'bin/check.ts', console: 'bin/console.ts' };
const SOURCES = ['bin', 'catalog', 'charts', 'constructs', 'environments', 'lib', 'observability', 'policy', 'stacks'];

function newestSource() {
  let newest = statSync(join(ROOT, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|cjs)$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCES) walk(join(ROOT, d));
  return newest;
}

function unknown(command) {
  process.stderr.write(`unknown command "${command}"; use one of: ${Object.keys(ENTRIES).join(', ')}\n`);
  process.exit(2);
}

/** The compiled entry of an installed package (`npm run build`: dist/bin/<command>.js). */
function compiled(command) {
  if (!ENTRIES[command]) unknown(command);
  const out = join(ROOT, 'dist', ENTRIES[command].replace(/\.ts$/, '.js'));
  if (!existsSync(out)) {
    process.stderr.write(`${out} is missing: this copy of inference-stack has neither its TypeScript sources nor its build; run \`npm run build\` in ${ROOT}\n`);
    process.exit(1);
  }
  return out;
}

function bundle(command) {
  const entry = ENTRIES[command];
  if (!entry) unknown(command);
  if (!existsSync(join(ROOT, entry))) return compiled(command);
  const out = join(ROOT, 'dist', `${command}.cjs`);
  if (!existsSync(out) || statSync(out).mtimeMs < newestSource()) {
    // Built beside and renamed into place: a run that starts meanwhile never loads half a file.
    const tmp = `${out}.${process.pid}.tmp`;
    require('esbuild').buildSync({
      entryPoints: [join(ROOT, entry)],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      logLevel: 'warning',
    });
    require('node:fs').renameSync(tmp, out);
  }
  return out;
}

if (require.main === module) {
  const [command, ...args] = process.argv.slice(2);
  const out = bundle(command);
  process.argv = [process.argv[0], out, ...args];
  require(out);
} else {
  module.exports = { bundle, compiled };
}
