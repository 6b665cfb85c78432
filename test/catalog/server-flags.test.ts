/**
 * catalog/server-flags.json is a copy of the upstream flag lists (the product ships without shared/): it must
 * match them (facts/upstream/flags/, extracted from shared/upstream/flags/ by `npm run facts`).
 */
import { basename } from 'node:path';
import { expect, it } from 'vitest';
import { SERVER_VERSIONS } from '../../catalog/images';
import { SERVER_FLAGS } from '../../catalog/server-flags';
import { readFacts } from '../support/upstream';

interface UpstreamFlags {
  commit: string;
  version: string;
  flags: string[];
  short_aliases: Record<string, string>;
  negatable_boolean_flags: string[];
  bool_switch_flags: string[];
  recent_flag_changes: { changes: Array<{ added: string[]; removed: string[] }> };
  not_accepted_here: string[];
}

it.each(Object.entries(SERVER_FLAGS))('%s: the copy matches its upstream list, at the pinned version', (engine, list) => {
  expect(list.source.file).toBe(`shared/upstream/flags/${basename(list.source.file)}`);
  const u = readFacts<UpstreamFlags>(`flags/${basename(list.source.file)}`);
  expect(list.source.commit).toBe(u.commit);
  expect(list.flags).toEqual(u.flags);
  expect(list.shortAliases).toEqual(u.short_aliases);
  if (engine === 'vllm') {
    expect(list.negatable).toEqual(u.negatable_boolean_flags);
    const changes = u.recent_flag_changes.changes;
    expect([...list.recentlyAdded].sort()).toEqual([...new Set(changes.flatMap((c) => c.added))].sort());
    expect([...list.removed].sort()).toEqual([...new Set([...u.not_accepted_here, ...changes.flatMap((c) => c.removed)])].sort());
  } else {
    expect(list.switches).toEqual(u.bool_switch_flags);
    expect(u.version).toBe(`v${SERVER_VERSIONS.tgi}`);
  }
});
