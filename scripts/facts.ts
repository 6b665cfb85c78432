/**
 * `npm run facts [upstream folder]`: rewrites facts/upstream/ from ../shared/upstream (or the folder given), the
 * copy of the upstream facts the tests read (test/support/extract-facts.ts says what is kept and why).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { extractFacts } from '../test/support/extract-facts';
import { FACTS, REPO } from '../test/support/paths';

const upstream = resolve(process.argv[2] ?? join(REPO, '..', 'shared', 'upstream'));
const files = extractFacts(upstream);
rmSync(FACTS, { recursive: true, force: true });
let bytes = 0;
for (const [path, text] of files) {
  mkdirSync(dirname(join(FACTS, path)), { recursive: true });
  writeFileSync(join(FACTS, path), text);
  bytes += Buffer.byteLength(text);
}
process.stdout.write(`wrote ${files.size} files (${Math.round(bytes / 1024)} KiB) to ${FACTS} from ${upstream}\n`);
