#!/usr/bin/env node
/**
 * The floor of synthesis: what `npm run synth` cannot avoid. Starts Node, loads what synth must load (cdktf,
 * constructs, the provider bindings by deep path, yaml, zod) and writes the same JSON files as a previous synth
 * (read from <from>), into <to>. The toolkit's own cost is synth's time above this.
 *   node bench/floor.cjs <from-outdir> <to-outdir>
 */
'use strict';
const { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join, relative, dirname } = require('node:path');

const ROOT = join(__dirname, '..');
require('cdktf');
require('constructs');
const bindings = readFileSync(join(ROOT, 'lib/bindings.ts'), 'utf8');
for (const m of bindings.matchAll(/from '(@cdktf\/provider-[a-z]+\/lib\/[a-z0-9-]+)'/g)) require(m[1]);
require('yaml');
require('zod');

const [from, to] = process.argv.slice(2);
const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
for (const file of walk(from)) {
  const out = join(to, relative(from, file));
  mkdirSync(dirname(out), { recursive: true });
  // parse and write again, as synth serializes its JSON
  const text = readFileSync(file, 'utf8');
  writeFileSync(out, file.endsWith('.json') ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text);
}
