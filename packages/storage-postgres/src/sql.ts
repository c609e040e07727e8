/**
 * The SQL of one key-value table. The table's name is the only thing spliced
 * into a statement, and only after {@link assertTableName} has accepted it and
 * {@link quoteIdentifier} has quoted it; every key, value, table id and limit
 * travels as a query parameter.
 */

/** The schema version this release creates and reads; recorded per table in {@link VERSION_TABLE}. */
export const SCHEMA_VERSION = 1;

/** Where each key-value table's schema version is recorded (one row per table), beside the tables. */
export const VERSION_TABLE = 'sochdb_schema_versions';

/** Seed of the hash behind the advisory locks of a batch ("sochdb" in ASCII), so they rarely meet an application's own. */
const ADVISORY_SEED = 0x736f636864620000n;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** PostgreSQL truncates identifiers past NAMEDATALEN - 1 bytes. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Throws unless `name` is a plain SQL identifier: a letter or `_`, then
 * letters, digits or `_`, at most 63 bytes (PostgreSQL would silently
 * truncate a longer one, and two long names could then meet in one table).
 */
export function assertTableName(name: unknown, argument = 'options.tableName'): asserts name is string {
  if (typeof name !== 'string') {
    throw new TypeError(`${argument} must be a string; got ${name === null ? 'null' : typeof name}`);
  }
  if (!IDENTIFIER.test(name) || name.length > MAX_IDENTIFIER_BYTES) {
    throw new RangeError(
      `${argument} must be an SQL identifier: a letter or "_", then letters, digits or "_", at most ${MAX_IDENTIFIER_BYTES} characters; got ${JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)}`,
    );
  }
}

/** `name` as a quoted identifier (`"Name"`), so case is kept and no keyword can clash. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A statement; one with a name is prepared once per connection (an empty name: sent unprepared). */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** Every statement the storage runs against one table. */
export interface TableStatements {
  readonly get: Statement;
  readonly put: Statement;
  readonly delete: Statement;
  /** Forward / reverse range scans, bounded (`key < end`) or not; `LIMIT NULL` is no limit. */
  readonly scan: { readonly [K in 'forward' | 'forwardOpen' | 'reverse' | 'reverseOpen']: Statement };
  /** The same range selects, without LIMIT parameters, as the query of a cursor. */
  readonly cursor: (reverse: boolean, bounded: boolean, limited: boolean) => string;
  /**
   * Takes a transaction-scoped advisory lock per `(table_id, key)` of two
   * parallel arrays, in ascending order of their hashes: two batches over
   * common keys then lock them in one order and wait for each other instead
   * of deadlocking (single-row writes hold one row lock and wait for nothing
   * while holding it, so they cannot close a cycle).
   */
  readonly lockMany: string;
  /** Deletes every `(table_id, key)` pair of two parallel arrays. */
  readonly deleteMany: string;
  /** Upserts every row of three parallel arrays. */
  readonly putMany: string;
  readonly create: readonly string[];
  readonly vacuum: string;
  readonly stats: string;
  readonly quoted: string;
}

/** Builds the statements of `tableName` (already checked by {@link assertTableName}). */
export function tableStatements(tableName: string): TableStatements {
  const t = quoteIdentifier(tableName);
  const prefix = `sochdb.${tableName}`;
  const range = (reverse: boolean, bounded: boolean) =>
    `SELECT key, value FROM ${t} WHERE table_id = $1 AND key >= $2${bounded ? ' AND key < $3' : ''} ORDER BY key${reverse ? ' DESC' : ''}`;
  const scan = (reverse: boolean, bounded: boolean): Statement => ({
    name: `${prefix}.scan${reverse ? '.reverse' : ''}${bounded ? '' : '.open'}`,
    text: `${range(reverse, bounded)} LIMIT $${bounded ? 4 : 3}`,
  });
  return {
    quoted: t,
    get: { name: `${prefix}.get`, text: `SELECT value FROM ${t} WHERE table_id = $1 AND key = $2` },
    put: {
      name: `${prefix}.put`,
      text: `INSERT INTO ${t} (table_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (table_id, key) DO UPDATE SET value = EXCLUDED.value`,
    },
    delete: { name: `${prefix}.delete`, text: `DELETE FROM ${t} WHERE table_id = $1 AND key = $2` },
    scan: {
      forward: scan(false, true),
      forwardOpen: scan(false, false),
      reverse: scan(true, true),
      reverseOpen: scan(true, false),
    },
    cursor: (reverse, bounded, limited) => `${range(reverse, bounded)}${limited ? ` LIMIT $${bounded ? 4 : 3}` : ''}`,
    lockMany: `SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtextextended(u.t::text || ':' || encode(u.k, 'hex'), ${ADVISORY_SEED}) AS h FROM unnest($1::bigint[], $2::bytea[]) AS u(t, k) ORDER BY h) AS sorted`,
    deleteMany: `DELETE FROM ${t} WHERE (table_id, key) IN (SELECT * FROM unnest($1::bigint[], $2::bytea[]))`,
    putMany: `INSERT INTO ${t} (table_id, key, value) SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[]) ON CONFLICT (table_id, key) DO UPDATE SET value = EXCLUDED.value`,
    create: [
      `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(VERSION_TABLE)} (table_name text PRIMARY KEY, version integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
      // bytea compares bytewise (memcmp, then length): the contract's key order, so the primary
      // key's B-tree serves every range scan in either direction.
      `CREATE TABLE IF NOT EXISTS ${t} (table_id bigint NOT NULL, key bytea NOT NULL, value bytea NOT NULL, PRIMARY KEY (table_id, key))`,
    ],
    vacuum: `VACUUM (ANALYZE) ${t}`,
    stats: `SELECT pg_total_relation_size(c.oid)::float8 AS bytes, coalesce(s.n_live_tup, 0)::float8 AS live, coalesce(s.n_dead_tup, 0)::float8 AS dead, greatest(c.reltuples, 0)::float8 AS estimate FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = to_regclass($1)`,
  };
}
