/**
 * logfmt encoding: `key=value` pairs separated by spaces, values quoted when
 * they hold a space, `=`, a quote or a control character, as Heroku's logfmt
 * and Go's `go-logfmt` read them.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped.
const NEEDS_QUOTES = /[\s="\\\u0000-\u001f\u007f]/;

/** Formats one value; the empty string becomes `""`. */
export function formatValue(value: string): string {
  if (value.length > 0 && !NEEDS_QUOTES.test(value)) return value;
  return JSON.stringify(value);
}

/** Keys must be bare words: anything else becomes `_`. */
export function formatKey(key: string): string {
  const bare = key.replace(/[^A-Za-z0-9_.\-:/]/g, '_');
  return bare.length > 0 ? bare : '_';
}

/** One logfmt line (without the newline) from ordered pairs. */
export function formatLine(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([key, value]) => `${formatKey(key)}=${formatValue(value)}`).join(' ');
}
