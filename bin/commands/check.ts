/**
 * `inference-stack check [--env <name|path> ...] [--json]`: synthesizes environments into a scratch folder and checks
 * the policy on every stack's cdk.tf.json. Exit 1 on any violation, whatever the stage.
 */
import { commandArgs } from '../lib/command-args';
import { EnvironmentError, displayPath, formatProblem, loadEnvironment } from '../../environments/load';
import { checkPolicy, formatReport, reportJson } from '../../policy';
import { defaultEnvironmentFiles, policyExceptions, synthScratch, uniqueEnvironmentFiles } from '../lib/synth-environments';
import type { Print } from './synth';

export const CHECK_USAGE = `usage: inference-stack check [--env <name|path> ...] [--json]
  --env   an environment name from environments/ or a path to an environment file (repeatable); default: all presets
  --json  the reports as one JSON array on stdout (warnings and problems go to stderr)`;

export function checkCommand(argv: readonly string[], out: Print, err: Print): number {
  const args = commandArgs(argv, { env: { type: 'string', multiple: true, short: 'e' }, json: { type: 'boolean' } }, CHECK_USAGE, out, err);
  if (typeof args === 'number') return args;
  const { values } = args;
  const files = values.env ? uniqueEnvironmentFiles(values.env) : defaultEnvironmentFiles();
  const reports: object[] = [];
  let failed = false;
  for (const file of files) {
    let env;
    let resolved;
    try {
      const loaded = loadEnvironment(file);
      env = loaded.env;
      resolved = loaded.resolved;
      for (const w of loaded.warnings) err(`warning: ${formatProblem(w)}\n`);
    } catch (e) {
      if (!(e instanceof EnvironmentError)) throw e;
      err(`${e.problems.map(formatProblem).join('\n')}\n`);
      failed = true;
      continue;
    }
    let result;
    try {
      result = checkPolicy(synthScratch(resolved), env.stage, policyExceptions(env));
    } catch (e) {
      // One located line, as synth reports it; never a stack trace.
      err(`${formatProblem({ file: displayPath(file), path: '', message: `synthesis failed: ${e instanceof Error ? e.message : String(e)}` })}\n`);
      failed = true;
      continue;
    }
    failed ||= result.violations.length > 0;
    if (values.json) reports.push(reportJson(env.name, result));
    else out(`${formatReport(env.name, result)}\n`);
  }
  if (values.json) {
    out(`${JSON.stringify(reports, null, 2)}\n`);
    if (npmBannerOnStdout()) err('note: npm printed its script banner on stdout before this JSON: for JSON alone run npm run -s check -- --json (or npx inference-stack check --json)\n');
  }
  return failed ? 1 : 0;
}

/**
 * Run by `npm run` without --silent: npm 11 printed "> <package>@<version> <script>" on stdout before the script.
 * npm exports its non-default settings to the script (npm_config_loglevel=silent with -s); `npx`/`npm exec` print no banner.
 */
export function npmBannerOnStdout(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_command === 'run' || env.npm_command === 'run-script' ? env.npm_config_loglevel !== 'silent' && env.npm_config_json !== 'true' : false;
}
