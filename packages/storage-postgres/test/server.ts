/**
 * The server the tests talk to (see `global-setup.ts`), unique table names,
 * and the one-line skip (a failure under CI=true) when there is none.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { PostgresStorage, type PostgresStorageOptions } from '../src/index.js';

const provided = inject('postgres');

/** The connection string of the test server, or undefined (the file's tests are then skipped). */
export const serverUrl: string | undefined = provided.url;

/** True when the tests run against the throwaway cluster they may restart. */
export const localCluster = provided.local;

let warned = false;
/** `describe.skipIf(noServer())`: prints the one line saying how to run them; throws under CI=true. */
export function noServer(): boolean {
  if (serverUrl !== undefined) return false;
  const line = `storage-postgres: tests skipped: ${provided.reason ?? 'no PostgreSQL server'}. Run them with PostgreSQL installed, or SOCHDB_TEST_POSTGRES_URL=postgres://user:password@host:port/db`;
  if (process.env.CI === 'true') throw new Error(`${line} (CI=true: a server is required)`);
  if (!warned) console.log(line);
  warned = true;
  return true;
}

let counter = 0;
/** A table name no other test (or run) uses. */
export function uniqueTable(prefix = 't'): string {
  return `${prefix}_${process.pid}_${counter++}_${randomBytes(3).toString('hex')}`;
}

/** A storage on the test server (not initialised), on a fresh table unless one is given. */
export function storage(options: PostgresStorageOptions = {}): PostgresStorage {
  return new PostgresStorage({
    connectionString: serverUrl as string,
    tableName: uniqueTable(),
    poolSize: 4,
    ...options,
  });
}

/** `storage(...)`, initialised. */
export async function openStorage(options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
  const s = storage(options);
  await s.init();
  return s;
}
