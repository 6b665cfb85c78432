/**
 * Usage errors on every command: exit 2 with the usage on stderr; --help prints the usage on stdout, exit 0;
 * --out naming a file, and the same --env twice, are handled.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/inference-stack';
import { tempDir, writeEnvs } from '../support/env';
import { REPO } from '../support/paths';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  let code: number;
  try {
    code = await main(argv, (s) => (out += s), (s) => (err += s));
  } catch (e) {
    // a usage error must never escape as an exception (the entry point would print no usage)
    return { code: -1, out, err: `threw: ${String(e)}` };
  }
  return { code, out, err };
}

const COMMANDS = ['synth', 'check', 'snapshot', 'init', 'capacity', 'cost', 'diagram', 'diff', 'images', 'secrets', 'doctor', 'deploy', 'destroy'];

describe('inference-stack usage errors', () => {
  it.each(COMMANDS)('%s --help prints the usage, exit 0', async (command) => {
    const r = await run(command, '--help');
    expect(r).toMatchObject({ code: 0, err: '' });
    // the commands with their own options (synth, check, snapshot, init) print their own usage
    expect(r.out).toMatch(new RegExp(`^usage: inference-stack (<command> \\[options\\]|${command} )`));
  });

  it.each(COMMANDS)('%s with an unknown option: exit 2 with the usage', async (command) => {
    const r = await run(command, '--nope');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^Unknown option '--nope'.*\\nusage: inference-stack (<command>|${command} )`));
    expect(r.out).toBe('');
  });

  it.each(['synth', 'check', 'snapshot', 'capacity', 'cost', 'diagram', 'images', 'deploy', 'destroy'])('%s --env without a value: exit 2 with the usage', async (command) => {
    for (const argv of [[command, '--env'], [command, '--env', '--json'], [command, '-e']]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/--env.*\n(.*\n)*usage: inference-stack (<command>|synth|check|snapshot)/);
    }
  });

  it('--help and -h without a command print the usage, exit 0; no command at all is exit 2', async () => {
    for (const flag of ['--help', '-h']) expect(await run(flag)).toMatchObject({ code: 0, err: '' });
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^usage: inference-stack/);
  });

  it('diagram --out naming an existing file is a clean error, exit 2, nothing written', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await run('diagram', '--env', 'dev', '--out', file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^--out .*not-a-dir exists and is not a directory; name a folder \(it is created when missing\)\n/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

const cli = (script: 'synth' | 'check', args: string[]) =>
  execa(join(REPO, 'node_modules/.bin/tsx'), [join(REPO, `bin/${script}.ts`), ...args], { cwd: REPO, reject: false, env: { CDKTF_OUTDIR: '' } });

describe('npm run synth and npm run check usage errors', () => {
  // (each run starts tsx: a few seconds; unknown options of synth are tested in synth.test.ts)
  it.each([['synth', ['--env']], ['check', ['stray']]] as const)('%s: a usage error (%s) exits 2 with the usage; --help exit 0', async (script, bad) => {
    for (const argv of [[...bad]]) {
      const r = await cli(script, argv);
      expect(r.exitCode, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(new RegExp(`\\nusage: inference-stack ${script}`));
    }
    const help = await cli(script, ['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: inference-stack ${script}`));
  });

  it('synth --out naming an existing file: exit 2, one clean line, no stack trace', async () => {
    const file = join(tempDir(), 'out-file');
    writeFileSync(file, 'x');
    const r = await cli('synth', ['--env', 'dev', '--out', file]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^--out .*out-file exists and is not a directory; name a folder \(it is created when missing\)\n/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('synth: the same environment twice (by name and by path) is synthesized once', async () => {
    const out = tempDir();
    const r = await cli('synth', ['--env', 'dev', '--env', 'dev', '--env', join(REPO, 'environments/dev.yaml'), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual(['dev: dev-namespaces, dev-platform, dev-gpu-pools, dev-models, dev-rag, dev-gateway, dev-edge, dev-observability']);
  });
});

describe('npm run check -- --json', () => {
  // npm 11 prints its "> inference-stack@... check" banner on stdout (only --silent or npm exec hide it; npm's json
  // mode moves it to stderr but then appends its own {"error": ...} object to stdout when the script exits 1):
  // JSON alone comes from `npm run -s check -- --json` or `npx inference-stack check --json`.
  const npmEnv = () => ({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|INIT_CWD$)/i.test(k))), NODE_OPTIONS: '' });
  const npm = (args: string[]) => execa('npm', args, { cwd: REPO, reject: false, env: npmEnv(), extendEnv: false });

  it('with -s prints only JSON on stdout, and the exit code and the located problems of a bad file still come through', async () => {
    const ok = await npm(['run', '-s', 'check', '--', '--json', '--env', 'dev']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as Array<{ environment: string }>).map((r) => r.environment)).toEqual(['dev']);
    const { bad } = writeEnvs({ bad: { name: 'bad', stage: 'qa' } });
    const failed = await npm(['run', '-s', 'check', '--', '--json', '--env', bad!]);
    expect(failed.exitCode).toBe(1);
    expect(JSON.parse(failed.stdout)).toEqual([]);
    expect(failed.stderr).toMatch(/bad\.yaml:\d+: stage: unknown stage "qa"/);
  });

  it('without -s, says on stderr why stdout is not JSON alone and what to run', async () => {
    const r = await npm(['run', 'check', '--', '--json', '--env', 'dev']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\n?> inference-stack@[^ ]+ check\n/);
    expect(r.stderr).toContain('npm printed its script banner on stdout before this JSON: for JSON alone run npm run -s check -- --json (or npx inference-stack check --json)');
  });
});
