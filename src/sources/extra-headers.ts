/** A configured extra header value: text in the config file, or the name of the variable that holds it. */
export type ExtraHeaderValue = string | { valueEnv: string };

/**
 * The configured extra headers (tenant ids, proxy tokens) as sent, names lower-cased. `readEnv` decides
 * what a missing variable means for its caller (an error in the evidence, a failed log fetch).
 */
export function resolveExtraHeaders(
  headers: Record<string, ExtraHeaderValue>,
  readEnv: (name: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name.toLowerCase()] = typeof value === 'string' ? value : readEnv(value.valueEnv);
  }
  return out;
}
