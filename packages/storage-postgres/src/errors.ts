/**
 * Turns what the driver (`postgres`) throws into the contract's `KernelError`s. Every failure to
 * reach, stay connected to, or authenticate with the server is kind `io`; the
 * message names the server (host, port, database) and never a password.
 */
import { KernelError } from '@sochdb/core';

/** The error codes of this package, beside core's `ErrorCode`s (`SOCHDB_CLOSED`, ...). */
export const PostgresErrorCode = {
  /** The server could not be reached, refused or dropped the connection, or is shutting down or starting up. */
  UNAVAILABLE: 'SOCHDB_POSTGRES_UNAVAILABLE',
  /** The server refused the credentials (SQLSTATE 28P01 / 28000). */
  AUTHENTICATION_FAILED: 'SOCHDB_POSTGRES_AUTHENTICATION_FAILED',
  /** The server ran the statement and reported an error (for example a table altered by hand). */
  QUERY_FAILED: 'SOCHDB_POSTGRES_QUERY_FAILED',
  /** The table was made by a newer release of this package (a schema version this one does not know). */
  SCHEMA_VERSION: 'SOCHDB_POSTGRES_SCHEMA_VERSION',
} as const;

/** Where the storage connects, for messages: never the password. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** Redacted from every message, should a driver ever quote it. */
  readonly password?: string | undefined;
}

/** `PostgreSQL at 127.0.0.1:5432, database "app"`. */
export function describeServer(server: ServerAddress): string {
  const host = server.host.includes(':') && !server.host.startsWith('/') ? `[${server.host}]` : server.host;
  return `PostgreSQL at ${host}:${server.port}, database ${JSON.stringify(server.database)}`;
}

// Network errors of the socket, and the driver's codes and messages for a lost or timed-out connection.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT', // a Unix socket path that does not exist
  // The driver's own codes for a connection that closed, was ended or destroyed, or timed out.
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'QUEUE_TIMEOUT',
]);
const LOST_CONNECTION =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Connection is closed|not queryable|ended|ECONNRESET/i;

/** SQLSTATE classes and codes that mean the connection, not the statement, failed. */
function isConnectionState(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code === '57P01' || // admin shutdown (pg_ctl stop/restart, pg_terminate_backend)
    code === '57P02' || // crash shutdown
    code === '57P03' || // cannot connect now (starting up, shutting down)
    code === '53300' // too many connections
  );
}

/** True when `error` says the connection (not the statement) failed: the pool must not reuse that client. */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || isConnectionState(code))) return true;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return false; // any other SQLSTATE: the statement
  return typeof message === 'string' && LOST_CONNECTION.test(message);
}

function redact(text: string, password: string | undefined): string {
  return password ? text.split(password).join('***') : text;
}

/**
 * The `KernelError` for a failed call: `operation` is the method
 * (`PostgresStorage.get`), `server` where it was connecting.
 */
export function toKernelError(error: unknown, operation: string, server: ServerAddress): KernelError {
  if (typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind !== undefined) {
    if (error instanceof KernelError) return error;
  }
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  const detail = redact(
    `${typeof code === 'string' ? `${code}: ` : ''}${typeof message === 'string' ? message : String(error)}`,
    server.password,
  );
  const where = describeServer(server);
  if (code === '28P01' || code === '28000') {
    return new KernelError(
      'io',
      PostgresErrorCode.AUTHENTICATION_FAILED,
      `${operation}: authentication failed at ${where}: check the user and password (${detail})`,
      { cause: error },
    );
  }
  if (isConnectionError(error)) {
    return new KernelError(
      'io',
      PostgresErrorCode.UNAVAILABLE,
      `${operation}: cannot reach ${where} (${detail}); a write in flight may or may not have been applied, and later calls reconnect by themselves`,
      { cause: error },
    );
  }
  return new KernelError('io', PostgresErrorCode.QUERY_FAILED, `${operation}: ${where} reported an error: ${detail}`, {
    cause: error,
  });
}
