/**
 * extraArgs (issue 14, class 6): every argument is checked against the flag list of the pinned server version
 * (catalog/server-flags.ts), in every spelling the server accepts: `--flag value`, `--flag=value`, short aliases,
 * and for vLLM `_` for `-` and `--no-<flag>`. Refused: unknown and removed flags (with the nearest known flag),
 * flags the toolkit sets from fields (they would silently undo the planner's checked values), a value where no
 * flag takes one, and `$(NAME)`, which Kubernetes expands from the container's environment (Secrets included).
 */
import { SERVER_VERSIONS } from '../catalog/images';
import { MANAGED_FLAGS, SERVER_FLAGS, type ServerFlagList } from '../catalog/server-flags';

type Add = (path: (string | number)[], message: string) => void;

const show = (v: string) => JSON.stringify(v);

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known flag closest to `flag` (ties: the first in the list's order). */
export function nearestFlag(flag: string, list: ServerFlagList): string {
  let best = list.flags[0]!;
  let bestD = Infinity;
  for (const f of list.flags) {
    const d = distance(flag, f);
    if (d < bestD) [best, bestD] = [f, d];
  }
  return best;
}

/** A Kubernetes variable reference: `$(NAME)`, not the escaped `$$(`. */
const K8S_VAR = /(?<!\$)\$\([A-Za-z_][A-Za-z0-9_]*\)/;

export function checkExtraArgs(engine: 'vllm' | 'tgi' | 'ollama', args: readonly string[], at: (string | number)[], add: Add): void {
  if (engine === 'ollama') {
    if (args.length > 0) add(at, 'Ollama is started with "ollama serve" and takes no server flags here; remove extraArgs');
    return;
  }
  const list = SERVER_FLAGS[engine];
  const managed = MANAGED_FLAGS[engine];
  const known = new Set(list.flags);
  const switches = new Set(list.switches);
  const server = engine === 'vllm' ? `vLLM ${SERVER_VERSIONS.vllm}` : `TGI ${SERVER_VERSIONS.tgi}`;
  let takesValue = false;
  args.forEach((arg, j) => {
    const here = [...at, j];
    if (K8S_VAR.test(arg)) {
      add(here, `${show(arg)} holds $(...), which Kubernetes replaces with the container's environment variable (HF_TOKEN included) on the command line; remove it (write $$( for a literal "$(")`);
      takesValue = false;
      return;
    }
    const isFlag = arg.startsWith('-') && !/^-\d/.test(arg) && arg !== '-';
    if (!isFlag) {
      if (!takesValue) add(here, `${show(arg)} is not a flag and follows no flag that takes a value; write flags as "--name" with their value in the next item, or "--name=value"`);
      takesValue = false;
      return;
    }
    const eq = arg.indexOf('=');
    const written = eq < 0 ? arg : arg.slice(0, eq);
    // One spelling: long names in kebab case (vLLM reads _ as -), config keys (`--compilation-config.mode`) as their flag.
    let flag = written;
    if (flag.startsWith('--')) {
      if (list.underscoresAsDashes) flag = flag.replace(/_/g, '-');
      flag = flag.replace(/\..*$/, '');
    } else {
      const alias = list.shortAliases[flag];
      if (alias !== undefined) flag = typeof alias === 'string' ? alias : alias[0]!;
    }
    let negated = false;
    if (flag.startsWith('--no-') && list.negatable.includes(`--${flag.slice(5)}`)) {
      flag = `--${flag.slice(5)}`;
      negated = true;
    }
    takesValue = eq < 0 && !negated && !switches.has(flag);
    const field = managed[flag];
    if (field !== undefined) {
      const spelling = written === flag ? '' : ` (${flag} in another spelling)`;
      add(here, `${show(arg)}${spelling} is set by the toolkit from ${field.startsWith('fixed') ? `its own settings (${field.slice(7)})` : `the model's field ${field}`}; remove it${field.startsWith('fixed') ? '' : ` and set ${field} instead`}`);
    } else if (list.removed.includes(flag)) {
      add(here, `${show(arg)}: ${flag} was removed from ${server}; remove it (nearest known flag: ${nearestFlag(flag, list)})`);
    } else if (list.recentlyAdded.includes(flag)) {
      add(here, `${show(arg)}: ${flag} was added to vLLM main shortly before ${server} (flag list of vLLM main at ${list.source.commit.slice(0, 8)}) and may be missing from the pinned image; remove it or pin a newer image`);
    } else if (!known.has(flag)) {
      add(here, `${show(arg)} is not a flag of ${server}; the nearest known flag is ${nearestFlag(flag, list)}`);
    }
  });
}
