/**
 * Escapes a plain string so Terraform reads it literally. Terraform treats
 * every string in a configuration as a template, so a shell script's
 * `${VAR:-default}` or a `%{` would otherwise be parsed as interpolation.
 * Only for strings without cdktf tokens (those must stay interpolations).
 */
export function terraformLiteral(text: string): string {
  // Replacement functions, because "$$" in a replacement string means "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}
