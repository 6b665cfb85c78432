/**
 * `inference-stack synth [--env <name|path> ...] [--out <dir>]`: synthesizes every environment in environments/, or
 * the ones named, into <out>/stacks/<env>-<layer>/cdk.tf.json. Also the app cdktf runs (bin/synth.ts).
 */
import { commandArgs, type Print } from '../lib/command-args';
import { formatProblem } from '../../environments/load';
import { checkOutDir, defaultEnvironmentFiles, synthEnvironments, uniqueEnvironmentFiles, userPath } from '../lib/synth-environments';

export type { Print } from '../lib/command-args';

export const SYNTH_USAGE = `usage: inference-stack synth [--env <name|path> ...] [--out <dir>]
  --env   an environment name from environments/ or a path to an environment file (repeatable); default: all presets
  --out   output folder, relative to where you run it; default: $CDKTF_OUTDIR or cdktf.out`;

export function synthCommand(argv: readonly string[], out: Print, err: Print): number {
  const args = commandArgs(argv, { env: { type: 'string', multiple: true, short: 'e' }, out: { type: 'string', short: 'o' } }, SYNTH_USAGE, out, err);
  if (typeof args === 'number') return args;
  const { values } = args;
  const files = values.env ? uniqueEnvironmentFiles(values.env) : defaultEnvironmentFiles();
  const outdir = userPath(values.out || process.env.CDKTF_OUTDIR || 'cdktf.out');
  const badOut = checkOutDir(outdir);
  if (badOut) {
    err(`${badOut}\n${SYNTH_USAGE}\n`);
    return 2;
  }
  const { written, problems, reports, warnings } = synthEnvironments(files, outdir);
  for (const w of written) out(`${w.name}: ${w.stacks.join(', ')}\n`);
  for (const w of warnings) err(`warning: ${formatProblem(w)}\n`);
  for (const r of reports) err(`${r}\n`);
  if (problems.length > 0) {
    err(`${problems.map(formatProblem).join('\n')}\n`);
    err(`${problems.length} problem${problems.length > 1 ? 's' : ''}; nothing was written for the environments above\n`);
    return 1;
  }
  return 0;
}
