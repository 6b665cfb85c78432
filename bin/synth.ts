#!/usr/bin/env node
/**
 * `npm run synth [-- --env <name|path> ...] [--out <dir>]`: synthesizes every environment in environments/, or
 * the ones named, into cdktf.out/stacks/<env>-<layer>/cdk.tf.json. Also the app cdktf.json runs for `cdktf synth`.
 */
import { parseArgs } from 'node:util';
import { formatProblem } from '../environments/load';
import { checkOutDir, environmentFiles, synthEnvironments, uniqueEnvironmentFiles } from './lib/synth-environments';

const USAGE = `usage: npm run synth [-- --env <name|path> ...] [--out <dir>]
  --env   an environment name from environments/ or a path to an environment file (repeatable); default: all
  --out   output folder; default: $CDKTF_OUTDIR or cdktf.out`;

function main(argv: string[]): number {
  let values: { env?: string[]; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        env: { type: 'string', multiple: true, short: 'e' },
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const files = values.env ? uniqueEnvironmentFiles(values.env) : environmentFiles();
  const outdir = values.out || process.env.CDKTF_OUTDIR || 'cdktf.out';
  const badOut = checkOutDir(outdir);
  if (badOut) {
    process.stderr.write(`${badOut}\n${USAGE}\n`);
    return 2;
  }
  const { written, problems, reports, warnings } = synthEnvironments(files, outdir);
  for (const w of written) process.stdout.write(`${w.name}: ${w.stacks.join(', ')}\n`);
  for (const w of warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
  for (const r of reports) process.stderr.write(`${r}\n`);
  if (problems.length > 0) {
    process.stderr.write(`${problems.map(formatProblem).join('\n')}\n`);
    process.stderr.write(`${problems.length} problem${problems.length > 1 ? 's' : ''}; nothing was written for the environments above\n`);
    return 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
