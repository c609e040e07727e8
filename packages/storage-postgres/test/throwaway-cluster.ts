/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a
 * temporary directory, `pg_ctl start` on a free 127.0.0.1 port, removed again
 * by `stop()`. As root the server binaries refuse to run, so they run as the
 * `postgres` user (Debian's package creates it) through `runuser`, with the
 * directory handed to that user; as anyone else they run directly.
 *
 * The binaries are found in `$SOCHDB_POSTGRES_BIN`, then Debian's
 * `/usr/lib/postgresql/<major>/bin` (not on PATH), then PATH.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The superuser's name and password in every throwaway cluster. */
export const TEST_USER = 'sochdb';
export const TEST_PASSWORD = 'sochdb-test-pw-8f2c';
export const TEST_DATABASE = 'postgres';

/** A running throwaway cluster. */
export interface ThrowawayCluster {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** `postgres://user:password@127.0.0.1:port/database`. */
  readonly url: string;
  /** The data directory, for `pg_ctl`. */
  readonly dataDir: string;
  /** `pg_ctl stop -m fast` (waits). */
  stopServer(): Promise<void>;
  /** `pg_ctl start` (waits until it accepts connections). */
  startServer(): Promise<void>;
  /** `pg_ctl restart -m fast` (waits). */
  restartServer(): Promise<void>;
  /** Stops the server (immediately) and removes the directory. */
  destroy(): Promise<void>;
}

/** The directory holding `initdb` and `pg_ctl`, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  const fromEnv = process.env.SOCHDB_POSTGRES_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name) && existsSync(join(debian, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors[0] !== undefined) return join(debian, majors[0], 'bin');
  }
  try {
    const initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    if (initdb) return initdb.slice(0, initdb.lastIndexOf('/'));
  } catch {
    // not on PATH
  }
  return undefined;
}

/** A port nobody listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Runs a server binary, as `postgres` when we are root. */
function run(bin: string, tool: string, args: readonly string[]): Promise<string> {
  const [file, argv] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
    : [join(bin, tool), [...args]];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Makes and starts a cluster. `settings` are extra `postgresql.conf` lines
 * (e.g. `fsync = off` for tests). Throws when PostgreSQL is not installed.
 */
export async function startThrowawayCluster(settings: readonly string[] = []): Promise<ThrowawayCluster> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found');
  const root = mkdtempSync(join(tmpdir(), 'sochdb-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  const logFile = join(root, 'server.log');
  const passwordFile = join(root, 'password');
  writeFileSync(passwordFile, `${TEST_PASSWORD}\n`);
  if (isRoot) {
    const { uid, gid } = postgresIds();
    chownSync(root, uid, gid);
    chownSync(passwordFile, uid, gid);
  } else {
    chmodSync(root, 0o700);
  }
  try {
    await run(bin, 'initdb', [
      '-D',
      dataDir,
      '-U',
      TEST_USER,
      `--pwfile=${passwordFile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=scram-sha-256',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  let port = await freePort();
  const conf = (p: number) =>
    [
      `port = ${p}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socketDir}'`,
      'max_connections = 200',
      ...settings,
    ].join('\n');
  mkdirSync(socketDir, { recursive: true });
  if (isRoot) {
    const { uid, gid } = postgresIds();
    chownSync(socketDir, uid, gid);
  }
  const start = () => run(bin, 'pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
  let started = false;
  // Another process may take the free port between our check and the server's bind: retry on a new one.
  for (let attempt = 0; attempt < 3 && !started; attempt++) {
    if (attempt > 0) port = await freePort();
    appendFileSync(join(dataDir, 'postgresql.auto.conf'), `\n${conf(port)}\n`);
    try {
      await start();
      started = true;
    } catch (error) {
      if (attempt === 2) {
        rmSync(root, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const host = '127.0.0.1';
  const cluster: ThrowawayCluster = {
    host,
    port,
    database: TEST_DATABASE,
    user: TEST_USER,
    password: TEST_PASSWORD,
    url: `postgres://${TEST_USER}:${TEST_PASSWORD}@${host}:${port}/${TEST_DATABASE}`,
    dataDir,
    stopServer: async () => {
      await run(bin, 'pg_ctl', ['-D', dataDir, '-w', '-m', 'fast', 'stop']);
    },
    startServer: async () => {
      await start();
    },
    restartServer: async () => {
      await run(bin, 'pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-m', 'fast', 'restart']);
    },
    destroy: async () => {
      await run(bin, 'pg_ctl', ['-D', dataDir, '-w', '-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}
