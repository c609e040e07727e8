/**
 * Instrument names. The call's name goes behind the prefix (`sochdb.` by
 * default), so `counterInc('txn.commit')` is the instrument
 * `sochdb.txn.commit`, which OpenTelemetry's Prometheus exporter writes as
 * `sochdb_txn_commit_total`, the name `@sochdb/prometheus` gives the same
 * call. A name the OpenTelemetry API rules refuse
 * (`^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$`) is made legal, because the SDK keeps
 * such a name with only a diagnostic warning and an exporter or backend then
 * refuses or mangles it far from the call that made it.
 */

const VALID_NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
const INVALID_CHARACTERS = /[^A-Za-z0-9_.\-/]/g;

/** The longest instrument name OpenTelemetry allows. */
export const MAX_NAME_LENGTH = 255;

/** The default `prefix`: the one `@sochdb/prometheus` uses, with OpenTelemetry's separator. */
export const DEFAULT_PREFIX = 'sochdb.';

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
