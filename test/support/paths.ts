import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root. */
export const REPO = resolve(__dirname, '../..');
/** Upstream data at pinned versions: ../shared/upstream beside the repository (CI lays a copy there too). */
export const UPSTREAM = resolve(REPO, '../shared/upstream');

if (!existsSync(UPSTREAM)) {
  throw new Error(`upstream data not found at ${UPSTREAM}: tests need ../shared/upstream beside the repository`);
}
