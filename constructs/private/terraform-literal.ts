/**
 * Text that Terraform must take literally (file contents in ConfigMaps): `${` and `%{` start Terraform
 * interpolations and template directives in any string of cdk.tf.json, so they are escaped as `$${` and `%%{`.
 */
export function terraformLiteral(text: string): string {
  // A function replacement: in a replacement string "$$" would mean a single "$".
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/** The same for every value of a ConfigMap's data. */
export function terraformLiteralData(data: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, terraformLiteral(v)]));
}
