/**
 * Instrument names. The kernel's names are kept as given (`txn.commit` is a
 * legal OpenTelemetry name); a name the OpenTelemetry API rules refuse
 * (`^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$`) is made legal, because the SDK keeps
 * such a name with only a diagnostic warning and an exporter or backend then
 * refuses or mangles it far from the call that made it.
 */

const VALID_NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
const INVALID_CHARACTERS = /[^A-Za-z0-9_.\-/]/g;

/** The longest instrument name OpenTelemetry allows. */
export const MAX_NAME_LENGTH = 255;

/**
 * `name` if it is a legal instrument name; otherwise every character outside
 * `[A-Za-z0-9_.\-/]` becomes `_`, a name that does not start with a letter
 * gets `x` in front, and the result is cut to 255 characters.
 */
export function instrumentName(name: string): string {
  if (VALID_NAME.test(name)) return name;
  let legal = name.replace(INVALID_CHARACTERS, '_');
  if (!/^[A-Za-z]/.test(legal)) legal = `x${legal}`;
  return legal.slice(0, MAX_NAME_LENGTH);
}

/** A string as it is; anything else as `String(value)`, or `"[unprintable]"` when even that throws. */
export function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}
