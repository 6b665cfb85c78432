/**
 * catalog/server-flags.json is a copy of the upstream flag lists (the product ships without shared/): it must
 * match them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SERVER_VERSIONS } from '../../catalog/images';
import { SERVER_FLAGS } from '../../catalog/server-flags';
import { REPO } from '../support/paths';


it.each(Object.entries(SERVER_FLAGS))('%s: the copy matches its upstream list, at the pinned version', (engine, list) => {
  const file = join(REPO, '..', list.source.file);
  if (!existsSync(file)) return; // shipped without shared/: nothing to compare
  const u = JSON.parse(readFileSync(file, 'utf8'));
  expect(list.source.commit).toBe(u.commit);
  expect(list.flags).toEqual(u.flags);
  expect(list.shortAliases).toEqual(u.short_aliases);
  if (engine === 'vllm') {
    expect(list.negatable).toEqual(u.negatable_boolean_flags);
    const changes = u.recent_flag_changes.changes as Array<{ added: string[]; removed: string[] }>;
    expect([...list.recentlyAdded].sort()).toEqual([...new Set(changes.flatMap((c) => c.added))].sort());
    expect([...list.removed].sort()).toEqual([...new Set([...u.not_accepted_here, ...changes.flatMap((c) => c.removed)])].sort());
  } else {
    expect(list.switches).toEqual(u.bool_switch_flags);
    expect(u.version).toBe(`v${SERVER_VERSIONS.tgi}`);
  }
});
