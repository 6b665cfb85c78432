import { EXCEPTIONS, type PolicyException } from './exceptions';
import type { StackDoc } from '../lib/tf-json';
import { RULES, type Finding, type Stage } from './rules';

export interface PolicyResult {
  /** Findings that break the policy. */
  readonly violations: readonly Finding[];
  /** Findings covered by a declared exception, with its reason. */
  readonly excepted: ReadonlyArray<Finding & { readonly reason: string }>;
  /** Rules checked. */
  readonly rules: number;
}

/** Checks every rule on the stacks of one environment. */
export function checkPolicy(stacks: readonly StackDoc[], stage: Stage, exceptions: readonly PolicyException[] = EXCEPTIONS): PolicyResult {
  const violations: Finding[] = [];
  const excepted: Array<Finding & { reason: string }> = [];
  for (const stack of stacks) {
    for (const rule of RULES) {
      for (const f of rule.check(stack, stage, stacks)) {
        const e = exceptions.find((x) => x.rule === f.rule && x.message.test(f.message));
        if (e) excepted.push({ ...f, reason: e.reason });
        else violations.push(f);
      }
    }
  }
  return { violations, excepted, rules: RULES.length };
}

/** Rules whose violations block the output in every stage, dev included (elsewhere dev only warns). */
export const BLOCKING_IN_EVERY_STAGE: ReadonlySet<string> = new Set(['P18', 'P21']);

/** Whether a violation keeps an environment's stacks from being written. */
export function blocksOutput(v: Finding, stage: Stage): boolean {
  return stage !== 'dev' || BLOCKING_IN_EVERY_STAGE.has(v.rule);
}
