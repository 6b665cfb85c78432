/**
 * Terraform reads `${...}` (interpolation) and `%{...}` (template directive) in every string of cdk.tf.json, map
 * keys included, and `terraform apply` evaluates them on the deployer's machine: `${file("~/.aws/credentials")}`
 * in an annotation would read that file. Text we mean literally is escaped: `${` becomes `$${` and `%{` becomes
 * `%%{`, which Terraform renders back as the text (terraform 1.11: test/stacks/terraform-syntax.test.ts).
 *
 * Two layers, each applied once:
 * - every string of the environment, once, where the stacks receive it (`terraformLiteralDeep` in
 *   stacks/environment-stacks.ts): a bijection, so a user's `$${` stays `$${` (escaped to `$$${`);
 * - file contents (scripts, configs, dashboards in ConfigMaps: `terraformLiteral`): those embed strings of the
 *   environment that are already escaped, so a `${` / `%{` already preceded by `$` / `%` is left alone. Static
 *   contents therefore must not hold a literal `$${` or `%%{` (Terraform would render it as `${` / `%{`).
 */

/** A user string as a Terraform literal: every `${` and `%{` escaped (`$${` becomes `$$${`). */
export function escapeTerraformText(text: string): string {
  // Function replacements: in a replacement string "$$" would mean a single "$".
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/** File contents as a Terraform literal, leaving alone what an escaped environment string already escaped. */
export function terraformLiteral(text: string): string {
  return text.replace(/(?<!\$)\$\{/g, () => '$${').replace(/(?<!%)%\{/g, () => '%%{');
}

/** The same for every value of a ConfigMap's data. */
export function terraformLiteralData(data: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, terraformLiteral(v)]));
}

type Deep = string | number | boolean | null | undefined | readonly Deep[] | { readonly [key: string]: Deep };

function escapeDeep<T extends Deep>(v: T): T;
function escapeDeep(v: Deep): Deep {
  if (typeof v === 'string') return escapeTerraformText(v);
  if (Array.isArray(v)) return v.map((x: Deep) => escapeDeep(x));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [escapeTerraformText(k), escapeDeep(x)]));
  return v;
}

const ESCAPED = new WeakSet<object>();

/**
 * A copy of `value` whose every string and map key is a Terraform literal, except the top-level keys in `verbatim`
 * (kept as they are: the caller refuses `${` / `%{` there). Escaping twice would change values (Terraform renders
 * `$$${` as `$${`), so a copy this function made is returned as is.
 */
export function terraformLiteralDeep<T extends { readonly [key: string]: Deep }>(value: T, verbatim: readonly (keyof T & string)[] = []): T {
  if (ESCAPED.has(value)) return value;
  const out: T = { ...value };
  for (const key of Object.keys(value) as (keyof T & string)[]) {
    if (!verbatim.includes(key)) out[key] = escapeDeep(value[key]);
  }
  ESCAPED.add(out);
  return out;
}
