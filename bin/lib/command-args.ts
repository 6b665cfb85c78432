/** The argument handling every command shares: `--help` prints its usage (exit 0), a usage error prints the message and the usage on stderr (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export type Print = (s: string) => void;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** The parsed arguments, or the exit code when the command is done (help shown, usage error reported). */
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP; allowPositionals: boolean; strict: true }>>;

export function commandArgs<const O extends Options>(argv: readonly string[], options: O, usage: string, out: Print, err: Print, allowPositionals = false): Parsed<O> | number {
  const parse = (): Parsed<O> => parseArgs({ args: [...argv], options: { ...options, ...HELP }, allowPositionals, strict: true });
  let parsed: Parsed<O>;
  try {
    parsed = parse();
  } catch (e) {
    err(`${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  const given: Readonly<Record<string, unknown>> = parsed.values;
  if (given.help) {
    out(`${usage}\n`);
    return 0;
  }
  return parsed;
}
