/**
 * Checks over every string of an environment, with its path (issue 14, classes 1 and 4):
 * - literal secrets, in any field and any stage: tokens of known shapes, private keys, JWTs, credentials in a
 *   URL's userinfo or in key-like query parameters. Secrets live in Kubernetes Secrets; the file names them;
 * - URLs (`apiBase`, `endpointURL`) take http and https only;
 * - `backend` and `kubernetes` may not hold `${` or `%{`: Terraform reads backend settings verbatim and provider
 *   settings as templates, so no escaping is right for both (every other string is escaped, see
 *   lib/terraform-literal.ts).
 */

type Add = (path: (string | number)[], message: string) => void;
type Path = (string | number)[];

/** Secret shapes: a name for the message and a pattern. Exported for the policy's documentation and tests. */
export const SECRET_SHAPES: ReadonlyArray<{ readonly kind: string; readonly re: RegExp }> = [
  { kind: 'a Hugging Face token', re: /(?<![A-Za-z0-9])hf_[A-Za-z0-9]{20,}/ },
  { kind: 'an API key (sk-)', re: /(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}/ },
  { kind: 'an AWS access key id', re: /(?<![A-Z0-9])(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/ },
  { kind: 'a GitHub token', re: /(?<![A-Za-z0-9])(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/ },
  { kind: 'a Slack token', re: /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'a private key', re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/ },
  { kind: 'a JSON Web Token', re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { kind: 'credentials in a URL (user:password@)', re: /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\s?#@]+@/ },
  {
    kind: 'a key-like URL query parameter',
    re: /[?&](token|access_token|id_token|api[_-]?key|apikey|key|secret|client_secret|password|passwd|pwd|sig|signature|auth|x-amz-signature|x-amz-credential|x-amz-security-token)=[^&#\s]+/i,
  },
];

/** An AWS secret access key: 40 characters of base64, mixed case with digits (not a 40-hex revision). */
const AWS_SECRET_KEY = /^[A-Za-z0-9/+]{40}$/;
const looksLikeAwsSecret = (s: string) => AWS_SECRET_KEY.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s);

/** The secret shape found in `text`, if any. */
export function literalSecretIn(text: string, where: 'backend' | 'other' = 'other'): string | undefined {
  const found = SECRET_SHAPES.find((s) => s.re.test(text))?.kind;
  if (found) return found;
  return where === 'backend' && looksLikeAwsSecret(text) ? 'an AWS secret access key' : undefined;
}

/** What to write instead of a literal secret of `kind` at `path`. */
function secretFix(path: Path, kind: string): string {
  const [top, second] = path;
  if (top === 'backend') return 'the backend reads its credentials from the deploying machine (environment variables or credential files), never from this file';
  if (top === 'kubernetes') return 'the kubeconfig holds the cluster credentials; name only the context here';
  if ((top === 'models' || top === 'embeddings') && (kind === 'a Hugging Face token' || path.includes('extraArgs'))) return 'hfTokenSecret';
  if (top === 'gateway' && second === 'hostedModels') return 'apiKeySecret';
  if (top === 'gateway' && second === 'teams') return 'secret: { name, key } of an existing Secret';
  if (top === 'vectorStore') return 'objectStore.secretName or apiKeySecret';
  return 'an existing Kubernetes Secret';
}

/** A secret shown without its value: the first four characters. */
const redact = (s: string) => `${JSON.stringify(s.slice(0, 4)).slice(0, -1)}…"`;

const URL_FIELDS = new Set(['apiBase', 'endpointURL']);

const show = (v: string) => JSON.stringify(v);

/** Every string and map key with its path (a key's path ends with the key itself). */
function walk(v: unknown, path: Path, visit: (s: string, path: Path, isKey: boolean) => void): void {
  if (typeof v === 'string') visit(v, path, false);
  else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i], visit));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      visit(k, [...path, k], true);
      walk(x, [...path, k], visit);
    }
  }
}

export function checkStrings(env: object, add: Add): void {
  walk(env, [], (s, path, isKey) => {
    const top = path[0];
    const kind = literalSecretIn(s, top === 'backend' ? 'backend' : 'other');
    if (kind) {
      add(path, `holds a literal secret (${kind}, ${redact(s)}); reference a Secret instead (${secretFix(path, kind)})`);
      return;
    }
    if ((top === 'backend' || top === 'kubernetes') && /\$\{|%\{/.test(s)) {
      add(path, `${show(s)} holds "\${" or "%{": Terraform reads ${top} settings verbatim in the state backend and as a template in the providers; use the plain value`);
    }
    const last = path[path.length - 1];
    if (!isKey && typeof last === 'string' && URL_FIELDS.has(last) && !/^https?:\/\//i.test(s)) {
      add(path, `${show(s)} is not an http(s) URL; use https://host/path`);
    }
  });
}
