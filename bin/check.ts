#!/usr/bin/env node
/**
 * `npm run check -- --env <name|path> [--json]`: synthesizes environments into a scratch folder and checks the
 * policy (../shared/POLICY.md) on every stack's cdk.tf.json. Exit 1 on any violation, whatever the stage.
 */
import { parseArgs } from 'node:util';
import { EnvironmentError, displayPath, formatProblem, loadEnvironment } from '../environments/load';
import { checkPolicy, formatReport, reportJson } from '../policy';
import { environmentFiles, synthScratch, uniqueEnvironmentFiles } from './lib/synth-environments';

const USAGE = 'usage: npm run check [-- --env <name|path> ...] [--json]';

function main(argv: string[]): number {
  let values: { env?: string[]; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { env: { type: 'string', multiple: true, short: 'e' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const files = values.env ? uniqueEnvironmentFiles(values.env) : environmentFiles();
  const reports: object[] = [];
  let failed = false;
  for (const file of files) {
    let env;
    let resolved;
    try {
      const loaded = loadEnvironment(file);
      env = loaded.env;
      resolved = loaded.resolved;
      for (const w of loaded.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
    } catch (err) {
      if (!(err instanceof EnvironmentError)) throw err;
      process.stderr.write(`${err.problems.map(formatProblem).join('\n')}\n`);
      failed = true;
      continue;
    }
    let result;
    try {
      result = checkPolicy(synthScratch(resolved), env.stage);
    } catch (err) {
      // One located line, as synth reports it; never a stack trace.
      process.stderr.write(`${formatProblem({ file: displayPath(file), path: '', message: `synthesis failed: ${err instanceof Error ? err.message : String(err)}` })}\n`);
      failed = true;
      continue;
    }
    failed ||= result.violations.length > 0;
    if (values.json) reports.push(reportJson(env.name, result));
    else process.stdout.write(`${formatReport(env.name, result)}\n`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
