/**
 * The Secrets an environment reads: each stack registers the Secrets it names (where it passes the reference to a
 * construct), so that `inference-stack secrets` can list them with the command that makes each one, and `deploy`
 * can check they exist before anything waits on them. Values never appear here: only names, keys and placeholders.
 */
import type { Construct } from '../lib/cdktf';

/** How to fill a key in `kubectl create secret`: a literal (a placeholder or a generator), or a file. */
export type KeySource = { readonly literal: string } | { readonly file: string };

/** One stack's use of a Secret. */
export interface SecretUse {
  readonly namespace: string;
  readonly name: string;
  /** Keys it reads, with how to fill each. */
  readonly keys: Readonly<Record<string, KeySource>>;
  /** What reads it, in the user's words (`LiteLLM gateway`, `model llama-70b`). */
  readonly reader: string;
  /** `tls`: a kubernetes.io/tls Secret (tls.crt, tls.key). @default 'generic' */
  readonly type?: 'generic' | 'tls';
  /** Set when an operator writes the Secret in the cluster: not for the user to make. */
  readonly createdBy?: string;
}

/** A Secret of the environment, every use merged. */
export interface RequiredSecret {
  readonly namespace: string;
  readonly name: string;
  readonly type: 'generic' | 'tls';
  readonly keys: readonly string[];
  readonly readers: readonly string[];
  /** The deploy needs it before it starts: user-made. Operator-made ones are not required. */
  readonly required: boolean;
  readonly createdBy?: string;
  /** The `kubectl create secret` line that makes it (placeholders, never values); absent when an operator makes it. */
  readonly command?: string;
}

/** Fillers are shell words already when quoted; a bare value is quoted when it needs it. */
const quote = (s: string) => (/^["']/.test(s) || /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The `kubectl create secret` line for a Secret. */
export function createCommand(s: { namespace: string; name: string; type: 'generic' | 'tls'; keys: Readonly<Record<string, KeySource>> }): string {
  if (s.type === 'tls') return `kubectl -n ${s.namespace} create secret tls ${s.name} --cert=tls.crt --key=tls.key`;
  const args = Object.entries(s.keys)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, src]) => ('file' in src ? `--from-file=${key}=${src.file}` : `--from-literal=${key}=${quote(src.literal)}`));
  return `kubectl -n ${s.namespace} create secret generic ${s.name} ${args.join(' ')}`;
}

/** Collects the uses of one environment's stacks; `list()` merges them by namespace and name. */
export class SecretRegistry {
  private static readonly registries = new WeakMap<Construct, Map<string, SecretRegistry>>();
  private readonly uses: SecretUse[] = [];

  /** The registry of an environment within an app (the construct tree's root). */
  static of(scope: Construct, environment: string): SecretRegistry {
    const root = scope.node.root;
    const byEnv = SecretRegistry.registries.get(root) ?? new Map<string, SecretRegistry>();
    SecretRegistry.registries.set(root, byEnv);
    const found = byEnv.get(environment) ?? new SecretRegistry();
    byEnv.set(environment, found);
    return found;
  }

  add(use: SecretUse): void {
    this.uses.push(use);
  }

  /** Every Secret, user-made first (by namespace, name), then those operators create. */
  list(): RequiredSecret[] {
    const merged = new Map<string, { use: SecretUse; keys: Record<string, KeySource>; readers: Set<string> }>();
    for (const u of this.uses) {
      const id = `${u.namespace}/${u.name}`;
      const m = merged.get(id) ?? { use: u, keys: {}, readers: new Set<string>() };
      if ((m.use.type ?? 'generic') !== (u.type ?? 'generic') || m.use.createdBy !== u.createdBy) {
        throw new Error(`Secret ${id} is read as ${m.use.type ?? 'generic'}${m.use.createdBy ? ` created by ${m.use.createdBy}` : ''} by ${m.use.reader} and as ${u.type ?? 'generic'}${u.createdBy ? ` created by ${u.createdBy}` : ''} by ${u.reader}; give one of them another Secret`);
      }
      for (const [k, src] of Object.entries(u.keys)) m.keys[k] ??= src;
      m.readers.add(u.reader);
      merged.set(id, m);
    }
    return [...merged.values()]
      .map(({ use, keys, readers }): RequiredSecret => {
        const type = use.type ?? 'generic';
        return {
          namespace: use.namespace,
          name: use.name,
          type,
          keys: Object.keys(keys).sort(),
          readers: [...readers].sort(),
          required: use.createdBy === undefined,
          ...(use.createdBy ? { createdBy: use.createdBy } : { command: createCommand({ namespace: use.namespace, name: use.name, type, keys }) }),
        };
      })
      .sort((a, b) => Number(b.required) - Number(a.required) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }
}

/** Fillers for keys: generated in place where any random value does, a placeholder where only the user knows it. */
export const FILL = {
  /** A LiteLLM key (master or virtual): `sk-` and random hex. */
  litellmKey: { literal: '"sk-$(openssl rand -hex 24)"' },
  random: { literal: '"$(openssl rand -hex 32)"' },
  placeholder: (what: string): KeySource => ({ literal: `'<${what}>'` }),
  file: (path: string): KeySource => ({ file: path }),
} as const;
