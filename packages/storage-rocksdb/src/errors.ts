import { ErrorCode, KernelError } from '@sochdb/core';

/** The error codes this package adds to `@sochdb/core`'s `ErrorCode`. */
export const RocksDBErrorCode = {
  /** Another live instance (in this process or another) holds the directory open; `kind` is `io`. */
  LOCKED: 'SOCHDB_STORAGE_LOCKED',
  /** RocksDB reported an I/O failure (missing directory, permissions, disk full); `kind` is `io`. */
  IO: 'SOCHDB_STORAGE_IO',
} as const;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The `KernelError` for an error `rocksdb-native` raised while opening the
 * database at `path`: `io` `SOCHDB_STORAGE_LOCKED` for a held lock,
 * `corruption` `SOCHDB_CORRUPT` for what RocksDB calls corruption, `io`
 * `SOCHDB_STORAGE_IO` for the rest. The path is always in the message; the
 * binding's error is the `cause`.
 */
export function openError(error: unknown, path: string): KernelError {
  const message = messageOf(error);
  if (/\block\b|LOCK/.test(message)) {
    return new KernelError(
      'io',
      RocksDBErrorCode.LOCKED,
      `RocksDBStorage: ${path} is held open by another live instance (in this or another process); shut that one down first`,
      { cause: error },
    );
  }
  if (/corrupt/i.test(message)) {
    return new KernelError(
      'corruption',
      ErrorCode.CORRUPT,
      `RocksDBStorage: the database at ${path} is corrupt and cannot be opened: ${message}`,
      { cause: error },
    );
  }
  return new KernelError('io', RocksDBErrorCode.IO, `RocksDBStorage: cannot open ${path}: ${message}`, {
    cause: error,
  });
}

/** The `KernelError` for a failed operation on an open database. */
export function operationError(error: unknown, path: string, operation: string): KernelError {
  const message = messageOf(error);
  const kind = /corrupt/i.test(message) ? 'corruption' : 'io';
  const code = kind === 'corruption' ? ErrorCode.CORRUPT : RocksDBErrorCode.IO;
  return new KernelError(kind, code, `RocksDBStorage.${operation} on ${path} failed: ${message}`, { cause: error });
}

/** The rejection of every call after `shutdown()`. */
export function closedError(operation: string, path: string): KernelError {
  return new KernelError(
    'io',
    ErrorCode.CLOSED,
    `RocksDBStorage.${operation}: the storage at ${path} has been shut down; create a new RocksDBStorage (and register it)`,
  );
}

/** The rejection of a call made before `init()` opened the database. */
export function notInitializedError(operation: string, path: string): KernelError {
  return new KernelError(
    'plugin',
    ErrorCode.PLUGIN_NOT_INITIALIZED,
    `RocksDBStorage.${operation}: ${path} is not open yet; await init() (PluginManager.register calls it) first`,
  );
}
