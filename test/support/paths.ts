import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root. */
export const REPO = resolve(__dirname, '../..');
/** The upstream facts the tests read, extracted from ../shared/upstream by `npm run facts` and committed. */
export const FACTS = resolve(REPO, 'facts/upstream');
/** Upstream data at pinned versions, when it sits beside the repository (CI lays a copy there): only test/facts.test.ts reads it. */
export const UPSTREAM = resolve(REPO, '../shared/upstream');
export const HAS_UPSTREAM = existsSync(UPSTREAM);
