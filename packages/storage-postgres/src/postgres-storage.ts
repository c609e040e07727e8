import {
  assertBytes,
  assertLimit,
  assertOptions,
  assertRange,
  assertTableId,
  assertTransactionId,
  describeValue,
  ErrorCode,
  type ExtensionInfo,
  KernelError,
  type StorageExtension,
  type StorageStats,
  type TableId,
  type TransactionId,
} from '@sochdb/core';
import postgres from 'postgres';
import { describeServer, isConnectionError, PostgresErrorCode, type ServerAddress, toKernelError } from './errors.js';
import {
  assertTableName,
  quoteIdentifier,
  SCHEMA_VERSION,
  type Statement,
  type TableStatements,
  tableStatements,
  VERSION_TABLE,
} from './sql.js';
import { VERSION } from './version.js';

/**
 * The largest key accepted, in bytes. A key is one B-tree index entry with
 * the table id; PostgreSQL refuses an entry over a third of an 8 KiB page
 * (2,704 bytes), so 2 KiB leaves room for the tuple headers. Checked before
 * any round trip.
 */
export const MAX_KEY_BYTES = 2048;

/**
 * The largest value accepted, in bytes. PostgreSQL's own limit for a `bytea`
 * is 1 GiB; 64 MiB keeps one value and its protocol message well inside the
 * memory of an ordinary process.
 */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

const DEFAULT_TABLE = 'sochdb_kv';
const DEFAULT_POOL_SIZE = 10;
const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
const DEFAULT_BATCH_SIZE = 256;
/** Rows per multi-row statement of a batch, and the bytes at which a statement is cut short of that. */
const BATCH_ROWS_PER_STATEMENT = 5_000;
const BATCH_BYTES_PER_STATEMENT = 32 * 1024 * 1024;
/** Tries of a batch whose transaction the server rolled back for a deadlock or serialization failure. */
const BATCH_ATTEMPTS = 5;
/** `stats()` answers at once from the last figures and refreshes them in the background when older than this. */
const STATS_MAX_AGE_MS = 1_000;

/** A `postgres()` instance (porsager's driver): the connection pool this storage sends its statements through. */
export type Sql = postgres.Sql;

/** Options of {@link PostgresStorage} (and of the plugin module's `create`). */
export interface PostgresStorageOptions {
  /** The extension's name, unique in a `PluginManager`. Default `"postgres-storage"`. */
  readonly name?: string;
  /**
   * `postgres://user:password@host:port/database?...` (the name `pg` gives it). Without it (and
   * without `sql`), the driver's defaults apply: the `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`,
   * `PGPASSWORD` environment variables, then `localhost:5432`.
   */
  readonly connectionString?: string;
  /**
   * A `postgres()` instance (pool) the application already has, used instead of making one. The
   * storage never ends it; the application does, after `shutdown()`. Not together with
   * `connectionString`, `poolSize`, `ssl` or `connectionTimeoutMillis`.
   */
  readonly sql?: Sql;
  /**
   * The table the key spaces live in: an SQL identifier, quoted (case kept). Default `"sochdb_kv"`.
   * Every instance given the same database and table shares the same data.
   */
  readonly tableName?: string;
  /** Connections in the pool this storage makes (the driver's `max`). Default 10. */
  readonly poolSize?: number;
  /** Passed to the driver as is: `true`, `'require'`, `'verify-full'`, or `tls.connect` options (`ca`, ...). */
  readonly ssl?: unknown;
  /** How long opening a connection may take before the call rejects, in ms (rounded up to seconds). Default 10,000. */
  readonly connectionTimeoutMillis?: number;
}

/** Options of {@link PostgresStorage.iterate}. */
export interface IterateOptions {
  /** Lowest key walked, inclusive. Default: the empty key (no lower bound). */
  readonly start?: Uint8Array;
  /** Key the walk stops before, exclusive. Default (or empty): no upper bound. */
  readonly end?: Uint8Array;
  /** Walk from the highest key down. Default `false`. */
  readonly reverse?: boolean;
  /** At most this many entries in all: a non-negative integer or `Infinity` (the default). */
  readonly limit?: number;
  /** Rows fetched from the server-side cursor per round trip (default 256): memory held by the walk is bounded by it. */
  readonly batchSize?: number;
}

/** One stored entry: a key and its value, fresh copies the caller owns. */
export type Entry = [key: Uint8Array, value: Uint8Array];

/** One op of {@link PostgresStorage.batch}, as core's `BatchOp`. */
export type BatchOp =
  | { readonly type: 'put'; readonly table: TableId; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly table: TableId; readonly key: Uint8Array };

const KNOWN_OPTIONS = ['name', 'connectionString', 'sql', 'tableName', 'poolSize', 'ssl', 'connectionTimeoutMillis'];
const EMPTY = new Uint8Array(0);

type Row = { key?: Uint8Array; value: Uint8Array };
type Params = postgres.ParameterOrJSON<never>[];

/**
 * A fresh copy on an `ArrayBuffer` of its own: the driver hands out `Buffer`s
 * that may be views into Node's shared slab or its receive buffer, and a
 * caller may keep, mutate or transfer what it gets.
 */
function own(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** A copy of the caller's bytes, taken at the call: the statement may be sent later, and the caller may reuse its buffer at once. */
function param(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

function assertKey(key: unknown, name = 'key'): asserts key is Uint8Array {
  assertBytes(key, name);
  if (key.length > MAX_KEY_BYTES) {
    throw new RangeError(`${name} must be at most ${MAX_KEY_BYTES} bytes (a B-tree index entry); got ${key.length}`);
  }
}

function assertValue(value: unknown, name = 'value'): asserts value is Uint8Array {
  assertBytes(value, name);
  if (value.length > MAX_VALUE_BYTES) {
    throw new RangeError(`${name} must be at most ${MAX_VALUE_BYTES} bytes; got ${value.length}`);
  }
}

/** The identity of a key for ordering this instance's own writes: table and bytes. */
function keyId(table: number, key: Uint8Array): string {
  return `${table}:${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')}`;
}

/** Where a `postgres()` instance connects, as the driver resolved it (options, `PG*` variables, defaults). */
function serverOf(sql: Sql): ServerAddress {
  const options = (sql as { options?: Partial<postgres.ParsedOptions> }).options ?? {};
  return {
    host: options.host?.[0] ?? 'localhost',
    port: options.port?.[0] ?? 5432,
    database: options.database ?? '',
    password: typeof options.pass === 'string' ? options.pass : undefined,
  };
}

/**
 * The shared storage backend: every table's key space lives in one
 * PostgreSQL table `(table_id bigint, key bytea, value bytea)` with primary
 * key `(table_id, key)`. Any number of instances, in one process or on many
 * machines, given the same database and `tableName`, share the data: a write
 * that resolved in one is seen by every call any of them starts afterwards.
 *
 * Each call is one autocommitted statement (a `batch` one transaction), so a
 * write has committed when its promise resolves. Calls of one instance on
 * the same key take effect in call order; `scan`, `iterate` and `batch` see
 * every write of this instance that was called before them.
 *
 * When the server cannot be reached, restarts, or drops a connection, the
 * calls it affects reject with a `KernelError` of kind `io` naming host,
 * port and database (never the password); later calls connect afresh, with
 * nothing for the application to do.
 */
export class PostgresStorage implements StorageExtension {
  /** Name, version, description and the `storage` capability. */
  readonly info: ExtensionInfo;
  /** The table the key spaces live in, unquoted. */
  readonly tableName: string;

  readonly #statements: TableStatements;
  readonly #server: ServerAddress;
  readonly #ownPool: boolean;
  /** The driver's pool: made at construction (it connects lazily), or the application's. */
  #pool: Sql | undefined;
  #state: 'new' | 'initializing' | 'open' | 'closed' = 'new';
  /** The last write of this instance to each key still in flight: a later call on the key waits for it. */
  readonly #pendingByKey = new Map<string, Promise<unknown>>();
  /** Every write of this instance still in flight: `flush`, scans and batches wait for them. */
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Snapshots being opened: writes called after `iterate` wait until its snapshot is taken. */
  readonly #openingSnapshots = new Set<Promise<unknown>>();
  readonly #openIterators = new Set<() => Promise<void>>();
  #stats: StorageStats = { bytesStored: 0, keyCount: 0, pendingCompactionBytes: 0, writeAmplification: 1 };
  #statsAt = 0;
  #statsRefresh: Promise<StorageStats> | undefined;

  /** @param options - see {@link PostgresStorageOptions}. Nothing connects before `init()`. */
  constructor(options: PostgresStorageOptions = {}) {
    assertOptions(options, KNOWN_OPTIONS, 'PostgresStorage');
    const name = options.name ?? 'postgres-storage';
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`options.name must be a non-empty string; got ${describeValue(name)}`);
    }
    const tableName = options.tableName ?? DEFAULT_TABLE;
    assertTableName(tableName);
    this.tableName = tableName;
    this.#statements = tableStatements(tableName);
    const { connectionString, sql, poolSize, ssl, connectionTimeoutMillis } = options;
    if (connectionString !== undefined && (typeof connectionString !== 'string' || connectionString === '')) {
      throw new TypeError(
        `options.connectionString must be a non-empty string; got ${describeValue(connectionString)}`,
      );
    }
    if (poolSize !== undefined && (!Number.isInteger(poolSize) || poolSize < 1)) {
      throw new RangeError(`options.poolSize must be a positive integer; got ${describeValue(poolSize)}`);
    }
    if (
      connectionTimeoutMillis !== undefined &&
      (!Number.isInteger(connectionTimeoutMillis) || connectionTimeoutMillis < 0)
    ) {
      throw new RangeError(
        `options.connectionTimeoutMillis must be a non-negative integer; got ${describeValue(connectionTimeoutMillis)}`,
      );
    }
    if (sql !== undefined) {
      if (
        typeof sql !== 'function' ||
        typeof sql.unsafe !== 'function' ||
        typeof sql.begin !== 'function' ||
        typeof sql.reserve !== 'function'
      ) {
        throw new TypeError(
          `options.sql must be a postgres() instance (the "postgres" package's pool); got ${describeValue(sql)}`,
        );
      }
      const clash = (['connectionString', 'poolSize', 'ssl', 'connectionTimeoutMillis'] as const).filter(
        (key) => options[key] !== undefined,
      );
      if (clash.length > 0) {
        throw new TypeError(
          `options.sql cannot be combined with ${clash.map((key) => `options.${key}`).join(', ')}: configure that instance itself`,
        );
      }
      this.#ownPool = false;
      this.#pool = sql;
    } else {
      this.#ownPool = true;
      const config = {
        max: poolSize ?? DEFAULT_POOL_SIZE,
        connect_timeout: Math.max(1, Math.ceil((connectionTimeoutMillis ?? DEFAULT_CONNECTION_TIMEOUT_MS) / 1000)),
        onnotice: () => {},
        connection: { application_name: `sochdb:${name}`.slice(0, 63) },
        ...(ssl === undefined ? {} : { ssl: ssl as boolean }),
      };
      // Nothing connects until the first statement (in init).
      this.#pool = connectionString === undefined ? postgres(config) : postgres(connectionString, config);
    }
    this.#server = serverOf(this.#pool);
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: `Shared key-value storage in PostgreSQL table "${tableName}" (bytea keys, bytewise order)`,
      author: 'SochDB',
      capabilities: Object.freeze(['storage'] as const),
    });
  }

  /**
   * Connects and creates the table (and the schema-version record) when
   * missing, under an advisory lock so instances starting together do not
   * race. Rejects with `KernelError` `io` when the server cannot be reached
   * or refuses the credentials, `catalog` when the table was made by a newer
   * release.
   */
  async init(): Promise<void> {
    if (this.#state === 'closed') throw this.#closed('init');
    if (this.#state !== 'new') {
      throw new KernelError('plugin', ErrorCode.PLUGIN_INVALID, 'PostgresStorage.init: called more than once');
    }
    this.#state = 'initializing';
    try {
      await this.#ensureSchema();
      this.#state = 'open';
    } catch (error) {
      this.#state = 'closed';
      await this.#endPool();
      throw toKernelError(error, 'PostgresStorage.init', this.#server);
    }
    this.#refreshStats();
  }

  /**
   * Waits for every write in flight, releases open snapshots, and ends the
   * pool this storage made (a pool passed in is left to the application).
   * Later calls reject with `SOCHDB_CLOSED`; a second `shutdown` resolves.
   */
  async shutdown(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await Promise.allSettled([...this.#inFlight]);
    await Promise.allSettled([...this.#openIterators].map((close) => close()));
    await this.#endPool();
  }

  /** The value under `key` in `table` (a fresh copy), or `undefined`. */
  get(table: TableId, key: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      this.#open('get');
      assertTableId(table);
      assertKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const k = param(key);
    const pending = this.#pendingByKey.get(keyId(table, k));
    const read = async () => {
      const rows = await this.#query('get', this.#statements.get, [table, k]);
      const row = rows[0];
      return row === undefined ? undefined : own(row.value);
    };
    return pending === undefined ? read() : pending.then(read, read);
  }

  /** Stores `value` under `key` (an upsert); resolves once committed. `txn` is checked, not used. */
  put(table: TableId, key: Uint8Array, value: Uint8Array, txn: TransactionId): Promise<void> {
    try {
      this.#open('put');
      assertTableId(table);
      assertKey(key);
      assertValue(value);
      assertTransactionId(txn);
    } catch (error) {
      return Promise.reject(error);
    }
    const k = param(key);
    const v = param(value);
    return this.#write(keyId(table, k), async () => {
      await this.#query('put', this.#statements.put, [table, k, v]);
    });
  }

  /** Removes `key` from `table`; an absent key is not an error. Resolves once committed. */
  delete(table: TableId, key: Uint8Array, txn: TransactionId): Promise<void> {
    try {
      this.#open('delete');
      assertTableId(table);
      assertKey(key);
      assertTransactionId(txn);
    } catch (error) {
      return Promise.reject(error);
    }
    const k = param(key);
    return this.#write(keyId(table, k), async () => {
      await this.#query('delete', this.#statements.delete, [table, k]);
    });
  }

  /**
   * Up to `limit` entries with keys in `[start, end)`, ascending; an empty
   * `end` means no upper bound. One index range scan with `LIMIT`.
   */
  scan(table: TableId, start: Uint8Array, end: Uint8Array, limit: number): Promise<Entry[]> {
    return this.#scan('scan', table, start, end, limit, false);
  }

  /**
   * The same range as {@link scan}, walked from the highest key down: up to
   * `limit` entries, descending (one backward index range scan).
   */
  scanReverse(table: TableId, start: Uint8Array, end: Uint8Array, limit: number): Promise<Entry[]> {
    return this.#scan('scanReverse', table, start, end, limit, true);
  }

  /**
   * Walks the entries of `table` with keys in `[start, end)` (descending with
   * `reverse`) as a **snapshot**: what the table held when `iterate` was
   * called, whatever any instance writes afterwards. The snapshot is a
   * read-only repeatable-read transaction on a connection of its own, with a
   * server-side cursor fetched `batchSize` rows at a time; it is opened at the
   * call and released when the walk ends, fails, or `return()` is called
   * (breaking out of `for await`). While it is open it holds one connection of
   * the pool. Bad options reject the first `next()`.
   */
  iterate(table: TableId, options: IterateOptions = {}): AsyncIterableIterator<Entry> {
    let checked: { start: Buffer; end: Buffer; reverse: boolean; limit: number; batchSize: number };
    let opening: Promise<Snapshot>;
    try {
      this.#open('iterate');
      checked = checkIterateOptions(table, options);
      opening = this.#openSnapshot(table, checked);
    } catch (error) {
      return failedIterator(error);
    }
    return this.#walk(opening, checked.batchSize);
  }

  /**
   * Applies every op as one transaction: all or none, and no reader (of any
   * instance) sees some without the others. Ops are checked first (a bad one
   * rejects with nothing applied); later ops on a key win over earlier ones.
   * The ops become at most a few multi-row statements (one `DELETE`, one
   * upsert per 5,000 rows), not one round trip per op.
   */
  batch(ops: readonly BatchOp[], txn: TransactionId): Promise<void> {
    let finalOps: Map<string, { table: number; key: Buffer; value: Buffer | undefined }>;
    try {
      this.#open('batch');
      if (!Array.isArray(ops)) throw new TypeError(`ops must be an array; got ${describeValue(ops)}`);
      assertTransactionId(txn);
      finalOps = new Map();
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i] as BatchOp;
        if (typeof op !== 'object' || op === null) {
          throw new TypeError(`ops[${i}] must be a { type, table, key[, value] } object; got ${describeValue(op)}`);
        }
        assertTableId(op.table, `ops[${i}].table`);
        assertKey(op.key, `ops[${i}].key`);
        if (op.type === 'put') assertValue(op.value, `ops[${i}].value`);
        else if (op.type !== 'delete') {
          throw new TypeError(
            `ops[${i}].type must be "put" or "delete"; got ${describeValue((op as { type: unknown }).type)}`,
          );
        }
        const key = param(op.key);
        const id = keyId(op.table, key);
        finalOps.delete(id); // keep the order of each key's last op
        finalOps.set(id, { table: op.table, key, value: op.type === 'put' ? param(op.value) : undefined });
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (finalOps.size === 0) return Promise.resolve();
    const all = [...finalOps.values()];
    const run = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#applyBatch(all);
        } catch (error) {
          // A deadlock or serialization failure rolled the whole transaction back: try it again.
          const state = (error as { cause?: { code?: unknown } }).cause?.code;
          if ((state !== '40P01' && state !== '40001') || attempt >= BATCH_ATTEMPTS) throw error;
        }
      }
    };
    // After every write of this instance in flight, so a batch never overtakes an earlier put.
    return this.#write([...finalOps.keys()], run, true);
  }

  async #applyBatch(all: ReadonlyArray<{ table: number; key: Buffer; value: Buffer | undefined }>): Promise<void> {
    const pool = this.#pool;
    if (pool === undefined) throw this.#closed('batch');
    const statements = this.#statements;
    try {
      // Sent pipelined on the transaction's connection (one round trip for all of them), run in order.
      await pool.begin((tx) => {
        const queries = [
          tx.unsafe(statements.lockMany, [all.map((op) => op.table), all.map((op) => op.key)] as Params),
        ];
        const deletes = all.filter((op) => op.value === undefined);
        if (deletes.length > 0) {
          queries.push(
            tx.unsafe(statements.deleteMany, [deletes.map((op) => op.table), deletes.map((op) => op.key)] as Params),
          );
        }
        for (const chunk of chunks(all.filter((op) => op.value !== undefined))) {
          queries.push(
            tx.unsafe(statements.putMany, [
              chunk.map((op) => op.table),
              chunk.map((op) => op.key),
              chunk.map((op) => op.value),
            ] as Params),
          );
        }
        return queries;
      });
    } catch (error) {
      throw toKernelError(error, 'PostgresStorage.batch', this.#server);
    }
  }

  /** Resolves when every write of this instance called before `flush` has committed (or failed). */
  async flush(): Promise<void> {
    this.#open('flush');
    await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * `VACUUM (ANALYZE)` of the table: gives the space of deleted and
   * overwritten rows back for reuse, and refreshes the planner's and
   * `stats()`'s figures. It does not lock out readers or writers and does not
   * shrink the file (`VACUUM FULL`, which does, locks the table; run it by
   * hand if ever needed).
   */
  async compact(): Promise<void> {
    this.#open('compact');
    await Promise.allSettled([...this.#inFlight]);
    await this.#query('compact', { name: '', text: this.#statements.vacuum }, []);
    await this.readStats();
  }

  /**
   * The last figures read from PostgreSQL, at once (the contract's `stats` is
   * synchronous): they lag by up to a second and are refreshed in the
   * background when older. `bytesStored` is `pg_total_relation_size` (rows,
   * index, TOAST); `keyCount` the server's live-row count (`n_live_tup`, an
   * estimate kept by its statistics, over every table id);
   * `pendingCompactionBytes` the share of the relation taken by dead rows that
   * `compact()` (VACUUM) would make reusable; `writeAmplification` 2 (each
   * write goes to the write-ahead log and then the table). For figures read
   * now, await {@link readStats}.
   * @throws KernelError `SOCHDB_CLOSED` after shutdown.
   */
  stats(): StorageStats {
    this.#open('stats');
    if (Date.now() - this.#statsAt > STATS_MAX_AGE_MS) this.#refreshStats();
    return { ...this.#stats };
  }

  /** The figures of {@link stats}, read from the server now. */
  readStats(): Promise<StorageStats> {
    try {
      this.#open('readStats');
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#statsRefresh === undefined) {
      this.#statsRefresh = this.#readStats().finally(() => {
        this.#statsRefresh = undefined;
      });
    }
    return this.#statsRefresh;
  }

  /** Where this storage connects: host, port and database (no credentials). */
  get server(): { readonly host: string; readonly port: number; readonly database: string } {
    return { host: this.#server.host, port: this.#server.port, database: this.#server.database };
  }

  #refreshStats(): void {
    this.readStats().catch(() => {});
  }

  async #readStats(): Promise<StorageStats> {
    const rows = (await this.#query('stats', { name: '', text: this.#statements.stats }, [
      this.#statements.quoted,
    ])) as unknown as Array<{
      bytes: number;
      live: number;
      dead: number;
      estimate: number;
    }>;
    const row = rows[0];
    const bytes = row?.bytes ?? 0;
    const live = row?.live ?? 0;
    const dead = row?.dead ?? 0;
    this.#stats = {
      bytesStored: bytes,
      keyCount: live,
      pendingCompactionBytes: live + dead > 0 ? Math.round((bytes * dead) / (live + dead)) : 0,
      writeAmplification: 2,
    };
    this.#statsAt = Date.now();
    return { ...this.#stats };
  }

  async #ensureSchema(): Promise<void> {
    const pool = this.#pool;
    if (pool === undefined) throw this.#closed('init');
    const version = await pool.begin(async (tx) => {
      // One instance at a time creates a table: CREATE TABLE IF NOT EXISTS races with itself.
      await tx.unsafe('SELECT pg_advisory_xact_lock(hashtext($1))', [`sochdb:${this.tableName}`]);
      for (const text of this.#statements.create) await tx.unsafe(text);
      await tx.unsafe(
        `INSERT INTO ${quoteIdentifier(VERSION_TABLE)} (table_name, version) VALUES ($1, $2) ON CONFLICT (table_name) DO NOTHING`,
        [this.tableName, SCHEMA_VERSION],
      );
      const rows = await tx.unsafe(`SELECT version FROM ${quoteIdentifier(VERSION_TABLE)} WHERE table_name = $1`, [
        this.tableName,
      ]);
      return (rows[0] as { version: number } | undefined)?.version;
    });
    if (version !== SCHEMA_VERSION) {
      throw new KernelError(
        'catalog',
        PostgresErrorCode.SCHEMA_VERSION,
        `PostgresStorage.init: table "${this.tableName}" at ${describeServer(this.#server)} has schema version ${String(version)}; this release (${VERSION}) reads version ${SCHEMA_VERSION}: upgrade @sochdb/storage-postgres`,
      );
    }
  }

  async #endPool(): Promise<void> {
    const pool = this.#pool;
    if (pool === undefined || !this.#ownPool) return;
    this.#pool = undefined;
    await pool.end({ timeout: 5 }).catch(() => {});
  }

  /** Read through a method so that TypeScript does not narrow it across an `await`. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #closed(operation: string): KernelError {
    return new KernelError(
      'io',
      ErrorCode.CLOSED,
      `PostgresStorage.${operation}: the storage has been shut down; create a new PostgresStorage (and register it)`,
    );
  }

  #open(operation: string): Sql {
    if (this.#state === 'closed') throw this.#closed(operation);
    const pool = this.#pool;
    if (this.#state !== 'open' || pool === undefined) {
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_NOT_INITIALIZED,
        `PostgresStorage.${operation}: call init() first (PluginManager.register does)`,
      );
    }
    return pool;
  }

  /** One autocommitted statement on any pooled connection, prepared once per connection. */
  async #query(operation: string, statement: Statement, values: unknown[]): Promise<Row[]> {
    const pool = this.#pool;
    if (pool === undefined) throw this.#closed(operation);
    try {
      return (await pool.unsafe(statement.text, values as Params, {
        prepare: statement.name !== '',
      })) as unknown as Row[];
    } catch (error) {
      throw toKernelError(error, `PostgresStorage.${operation}`, this.#server);
    }
  }

  /**
   * Runs a write after the earlier writes of this instance to the same keys
   * (all writes when `barrier`) and after any snapshot being opened, and
   * tracks it for `flush` and `shutdown`.
   */
  #write(ids: string | readonly string[], run: () => Promise<void>, barrier = false): Promise<void> {
    const before: Promise<unknown>[] = [...this.#openingSnapshots];
    if (barrier) before.push(...this.#inFlight);
    else {
      const previous = this.#pendingByKey.get(ids as string);
      if (previous !== undefined) before.push(previous);
    }
    const done =
      before.length === 0
        ? run()
        : (before.length === 1 ? (before[0] as Promise<unknown>) : Promise.allSettled(before)).then(run, run);
    const list = typeof ids === 'string' ? [ids] : ids;
    for (const id of list) this.#pendingByKey.set(id, done);
    this.#inFlight.add(done);
    const settle = () => {
      this.#inFlight.delete(done);
      for (const id of list) if (this.#pendingByKey.get(id) === done) this.#pendingByKey.delete(id);
    };
    done.then(settle, settle);
    return done;
  }

  #scan(
    operation: string,
    table: TableId,
    start: Uint8Array,
    end: Uint8Array,
    limit: number,
    reverse: boolean,
  ): Promise<Entry[]> {
    try {
      this.#open(operation);
      assertTableId(table);
      assertRange(start, end);
      assertLimit(limit);
    } catch (error) {
      return Promise.reject(error);
    }
    if (limit === 0) return Promise.resolve([]);
    const bounded = end.length > 0;
    const statement = this.#statements.scan[`${reverse ? 'reverse' : 'forward'}${bounded ? '' : 'Open'}` as const];
    const values: unknown[] = [table, param(start)];
    if (bounded) values.push(param(end));
    values.push(limit === Number.POSITIVE_INFINITY ? null : limit);
    const read = async () => toEntries(await this.#query(operation, statement, values));
    // Sees every write of this instance called before it.
    return this.#inFlight.size === 0 ? read() : Promise.allSettled([...this.#inFlight]).then(read);
  }

  #openSnapshot(
    table: number,
    options: { start: Buffer; end: Buffer; reverse: boolean; limit: number },
  ): Promise<Snapshot> {
    const earlier = [...this.#inFlight];
    const opening = (async (): Promise<Snapshot> => {
      if (earlier.length > 0) await Promise.allSettled(earlier);
      if (options.limit === 0) return { client: undefined, done: true };
      const pool = this.#pool;
      if (pool === undefined) throw this.#closed('iterate');
      let client: postgres.ReservedSql;
      try {
        client = await pool.reserve();
      } catch (error) {
        throw toKernelError(error, 'PostgresStorage.iterate', this.#server);
      }
      try {
        await client.unsafe('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const bounded = options.end.length > 0;
        const limited = options.limit !== Number.POSITIVE_INFINITY;
        const values: Params = [table, options.start];
        if (bounded) values.push(options.end);
        if (limited) values.push(options.limit);
        // The snapshot is taken by the transaction's first statement: this one.
        await client.unsafe(
          `DECLARE sochdb_walk NO SCROLL CURSOR FOR ${this.#statements.cursor(options.reverse, bounded, limited)}`,
          values,
        );
        return { client, done: false };
      } catch (error) {
        if (!isConnectionError(error)) await client.unsafe('ROLLBACK').catch(() => {});
        client.release();
        throw toKernelError(error, 'PostgresStorage.iterate', this.#server);
      }
    })();
    this.#openingSnapshots.add(opening);
    const settle = () => this.#openingSnapshots.delete(opening);
    opening.then(settle, settle);
    return opening;
  }

  #walk(opening: Promise<Snapshot>, batchSize: number): AsyncIterableIterator<Entry> {
    let snapshot: Snapshot | undefined;
    let buffer: Entry[] = [];
    let index = 0;
    let finished = false;
    const release = async (error?: unknown): Promise<void> => {
      if (finished) return;
      finished = true;
      this.#openIterators.delete(close);
      buffer = [];
      const s = snapshot ?? (await opening.catch(() => undefined));
      const client = s?.client;
      if (s === undefined || client === undefined) return;
      s.client = undefined;
      // A read-only transaction: COMMIT and ROLLBACK are the same; a dead connection needs neither.
      if (error === undefined || !isConnectionError(error)) await client.unsafe('COMMIT').catch(() => {});
      client.release();
    };
    const close = () => release();
    this.#openIterators.add(close);
    const fetch = `FETCH FORWARD ${batchSize} FROM sochdb_walk`;
    const iterator: AsyncIterableIterator<Entry> = {
      next: async (): Promise<IteratorResult<Entry>> => {
        if (this.#state === 'closed') {
          await release();
          throw this.#closed('iterate');
        }
        if (index < buffer.length) return { value: buffer[index++] as Entry, done: false };
        if (finished) return { value: undefined, done: true };
        try {
          snapshot ??= await opening;
          const client = snapshot.client;
          if (snapshot.done || client === undefined) {
            await release();
            return { value: undefined, done: true };
          }
          const rows = (await client.unsafe(fetch)) as unknown as Row[];
          if (this.#isClosed()) throw this.#closed('iterate');
          buffer = toEntries(rows);
          index = 0;
          if (rows.length < batchSize) snapshot.done = true;
          if (buffer.length === 0) {
            await release();
            return { value: undefined, done: true };
          }
          return { value: buffer[index++] as Entry, done: false };
        } catch (error) {
          await release(error);
          throw toKernelError(error, 'PostgresStorage.iterate', this.#server);
        }
      },
      return: async (): Promise<IteratorResult<Entry>> => {
        await release();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}

interface Snapshot {
  client: postgres.ReservedSql | undefined;
  done: boolean;
}

function toEntries(rows: readonly Row[]): Entry[] {
  return rows.map((row) => [own(row.key as Uint8Array), own(row.value)]);
}

function* chunks<T extends { key: Buffer; value: Buffer | undefined }>(ops: readonly T[]): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const op of ops) {
    chunk.push(op);
    bytes += op.key.length + (op.value?.length ?? 0);
    if (chunk.length >= BATCH_ROWS_PER_STATEMENT || bytes >= BATCH_BYTES_PER_STATEMENT) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}

function checkIterateOptions(
  table: unknown,
  options: unknown,
): { start: Buffer; end: Buffer; reverse: boolean; limit: number; batchSize: number } {
  assertTableId(table);
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object; got ${describeValue(options)}`);
  }
  const { start = EMPTY, end = EMPTY, reverse = false, limit = Number.POSITIVE_INFINITY } = options as IterateOptions;
  const batchSize = (options as IterateOptions).batchSize ?? DEFAULT_BATCH_SIZE;
  assertRange(start, end);
  assertLimit(limit);
  if (typeof reverse !== 'boolean')
    throw new TypeError(`options.reverse must be a boolean; got ${describeValue(reverse)}`);
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new RangeError(`options.batchSize must be an integer in [1, 100000]; got ${describeValue(batchSize)}`);
  }
  return { start: param(start), end: param(end), reverse, limit, batchSize };
}

function failedIterator(error: unknown): AsyncIterableIterator<Entry> {
  let failed = false;
  const iterator: AsyncIterableIterator<Entry> = {
    next: async () => {
      if (failed) return { value: undefined, done: true };
      failed = true;
      throw error;
    },
    return: async () => ({ value: undefined, done: true }),
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
