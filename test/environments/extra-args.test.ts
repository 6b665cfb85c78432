/**
 * extraArgs (issue 14, class 6), generatively: managed flags in every spelling the server accepts and flags the
 * pinned server does not know are all refused, with the flag the toolkit sets or the nearest known flag named.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MANAGED_FLAGS, SERVER_FLAGS } from '../../catalog/server-flags';
import { checkExtraArgs, nearestFlag } from '../../environments/extra-args-checks';
import { fixtureEnv, statefulSets, synthEnvJson } from '../support/synth';

const problemsOf = (engine: 'vllm' | 'tgi' | 'ollama', args: string[]) => {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  checkExtraArgs(engine, args, ['extraArgs'], (path, message) => out.push({ path, message }));
  return out;
};

/** Every spelling of a long flag the server reads as that flag. */
function spellings(engine: 'vllm' | 'tgi', flag: string): fc.Arbitrary<string[]> {
  const list = SERVER_FLAGS[engine];
  const names = [flag];
  if (list.underscoresAsDashes) names.push(`--${flag.slice(2).replace(/-/g, '_')}`);
  for (const [alias, long] of Object.entries(list.shortAliases)) if (long === flag || (Array.isArray(long) && long[0] === flag)) names.push(alias);
  return fc.tuple(fc.constantFrom(...names), fc.constantFrom('4', '0.5', 'x'), fc.boolean()).map(([n, v, inline]) => (inline ? [`${n}=${v}`] : [n, v]));
}

const engines = ['vllm', 'tgi'] as const;

describe('managed flags in any spelling', () => {
  it.each(engines)('%s: refused, naming the flag and its field', (engine) => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(MANAGED_FLAGS[engine])).chain((flag) => spellings(engine, flag).map((args) => ({ flag, args }))), ({ flag, args }) => {
        const problems = problemsOf(engine, args);
        expect(problems.length).toBeGreaterThanOrEqual(1);
        expect(problems[0]!.path).toEqual(['extraArgs', 0]);
        expect(problems[0]!.message).toContain('is set by the toolkit');
        if (args[0]!.split('=')[0] !== flag) expect(problems[0]!.message).toContain(`(${flag} in another spelling)`);
      }),
      { numRuns: 300, seed: 6 },
    );
  });

  it('the planner\'s tensor parallel cannot be undone: --tensor_parallel_size=4, -tp 4', () => {
    expect(problemsOf('vllm', ['--tensor_parallel_size=4']).map((p) => p.message)).toEqual([
      '"--tensor_parallel_size=4" (--tensor-parallel-size in another spelling) is set by the toolkit from the model\'s field tensorParallel; remove it and set tensorParallel instead',
    ]);
    expect(problemsOf('vllm', ['-tp', '4'])).toHaveLength(1);
  });
});

describe('unknown flags', () => {
  it.each(engines)('%s: a misspelt flag is refused with the nearest known flag', (engine) => {
    const list = SERVER_FLAGS[engine];
    const known = new Set([...list.flags, ...list.removed, ...list.recentlyAdded].map((f) => (list.underscoresAsDashes ? f : f)));
    const mutated = fc
      .tuple(fc.constantFrom(...list.flags), fc.nat(), fc.constantFrom('drop', 'double', 'swap', 'upper', 'suffix'))
      .map(([flag, n, how]) => {
        const i = 2 + (n % (flag.length - 2));
        const m =
          how === 'drop' ? flag.slice(0, i) + flag.slice(i + 1)
          : how === 'double' ? flag.slice(0, i) + flag[i] + flag.slice(i)
          : how === 'swap' ? flag.slice(0, i - 1) + flag[i] + flag[i - 1] + flag.slice(i + 1)
          : how === 'upper' ? flag.toUpperCase()
          : `${flag}-x`;
        return { flag, m };
      })
      .filter(({ m }) => {
        const canon = list.underscoresAsDashes ? m.replace(/_/g, '-') : m;
        return m.startsWith('--') && !m.startsWith('--no-') && !known.has(canon) && !(canon in MANAGED_FLAGS[engine]) && !m.includes('.');
      });
    fc.assert(
      fc.property(mutated, ({ flag, m }) => {
        const problems = problemsOf(engine, [m]);
        expect(problems).toHaveLength(1);
        const nearest = /the nearest known flag is (\S+)$/.exec(problems[0]!.message)?.[1];
        expect(nearest, problems[0]!.message).toBeDefined();
        expect(list.flags).toContain(nearest);
        // The suggestion is at least as close as the flag the typo came from.
        const d = (a: string, b: string) => [...Array(Math.max(a.length, b.length))].length && levenshtein(a, b);
        expect(d(nearest!, m)).toBeLessThanOrEqual(d(flag, m));
      }),
      { numRuns: 300, seed: 6 },
    );
  });

  it('removed and recently added vLLM flags, positional junk and $(...) are refused', () => {
    expect(problemsOf('vllm', ['--swap-space', '4'])[0]!.message).toBe('"--swap-space": --swap-space was removed from vLLM 0.27.1; remove it (nearest known flag: --cpu-offload-gb)'.replace('--cpu-offload-gb', nearestFlag('--swap-space', SERVER_FLAGS.vllm)));
    expect(problemsOf('vllm', ['--use-replayssm'])[0]!.message).toMatch(/^"--use-replayssm": --use-replayssm was added to vLLM main shortly before vLLM 0\.27\.1 \(flag list of vLLM main at 6adad087\) and may be missing from the pinned image/);
    expect(problemsOf('vllm', ['--enable-prefix-caching', 'yes'])[0]!.message).toBe('"yes" is not a flag and follows no flag that takes a value; write flags as "--name" with their value in the next item, or "--name=value"');
    expect(problemsOf('vllm', ['--max-num-seqs', '128', '256'])[0]!.path).toEqual(['extraArgs', 2]);
    expect(problemsOf('vllm', ['--chat-template', '$(HF_TOKEN)'])[0]!.message).toMatch(/^"\$\(HF_TOKEN\)" holds \$\(\.\.\.\), which Kubernetes replaces/);
    expect(problemsOf('vllm', ['--chat-template', '$$(HF_TOKEN)'])).toEqual([]);
    expect(problemsOf('ollama', ['--verbose'])[0]!.message).toMatch(/takes no server flags here/);
  });

  it('known flags in every accepted spelling pass', () => {
    expect(problemsOf('vllm', ['--enable_prefix_caching', '--no-enable-prefix-caching', '--max-num-seqs=128', '--compilation-config.mode', '3'])).toEqual([]);
    // a short spelling is recognised too: here, of a flag the toolkit manages, so it is refused
    expect(problemsOf('vllm', ['-dp=1'])[0]!.message).toMatch(/^"-dp=1" \(--data-parallel-size in another spelling\) is set by the toolkit from the model's field replicas/);
    expect(problemsOf('tgi', ['--max-batch-prefill-tokens', '4096', '--disable-custom-kernels'])).toEqual([]);
    expect(problemsOf('tgi', ['--max_batch_prefill_tokens', '4096'])[0]!.message).toMatch(/nearest known flag is --max-batch-prefill-tokens$/);
  });
});

it('every flag the toolkit writes on a server command line is in MANAGED_FLAGS', () => {
  for (const fixture of ['all-engines', 'multi-node']) {
    const env = fixtureEnv(fixture);
    const extra = new Set(env.models.flatMap((m) => m.extraArgs));
    const tfs = synthEnvJson(env);
    const argLists = Object.values(tfs).flatMap((tf) => [
      ...Object.values(statefulSets(tf)).map((s) => s.spec.template.spec.container[0]!.args ?? []),
      ...(JSON.stringify(tf.resource?.kubernetes_manifest ?? {}).match(/"args":\[[^\]]*\]/g) ?? []).map((a) => JSON.parse(a.slice(7)) as string[]),
    ]);
    const commandLines = argLists.map((args) => ({ engine: args.includes('--num-shard') ? 'tgi' : args.includes('--tensor-parallel-size') ? 'vllm' : 'other', args }));
    expect(commandLines.filter((c) => c.engine !== 'other').length).toBeGreaterThanOrEqual(fixture === 'all-engines' ? 4 : 1);
    for (const { engine, args } of commandLines) {
      if (engine !== 'vllm' && engine !== 'tgi') continue;
      for (const a of args.filter((x) => x.startsWith('--') && !extra.has(x))) expect(Object.keys(MANAGED_FLAGS[engine]), `${engine} ${a}`).toContain(a.split('=')[0]);
    }
  }
});

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length]![b.length]!;
}
