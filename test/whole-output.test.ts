/**
 * The checks that walk the whole synthesized output of every deployable environment (the presets and the
 * fixtures), run in one vitest worker so that each environment is synthesized once for all of them
 * (test/support/synth.ts memoises per worker). Each check keeps its own file, named `*.checks.ts`; importing it
 * registers its tests here. The policy checks (rules, image compatibility) thus synthesize prod once.
 */
import { expect, it } from 'vitest';
import { namedEnv, SYNTH_COUNTS, DEPLOYABLE } from './support/synth';
import './charts/upstream.checks';
import './charts/templates-read.checks';
import './charts/crd-schemas.checks';
import './policy/rules.checks';
import './policy/image-compat.checks';
import './stacks/first-apply.checks';
import './stacks/secrets.checks';

// Last (vitest runs a file's tests in order): every check above went through the memo, which synthesized each
// environment once in this worker (files before this one in the worker may have filled it already).
it('synthesized each deployable environment once for all the checks above', () => {
  expect(Object.fromEntries(DEPLOYABLE.map((name) => [name, SYNTH_COUNTS.get(namedEnv(name).name)]))).toEqual(Object.fromEntries(DEPLOYABLE.map((name) => [name, 1])));
});
