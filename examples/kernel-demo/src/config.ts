/**
 * The demo's configuration file: which plugins to load with which options,
 * the codec values are stored with, and the column to index. Every mistake is
 * a {@link ConfigError} whose message is one line saying what to fix.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

/** One plugin to load: a package name or a path, and its options. */
export interface PluginEntry {
  readonly module: string;
  readonly options: Record<string, unknown>;
}

/** The parsed configuration. */
export interface DemoConfig {
  /** The folder the file is in: plugins and relative paths resolve from it. */
  readonly directory: string;
  readonly plugins: readonly PluginEntry[];
  /** Algorithm of the compression plugin values are stored with. */
  readonly codec: string;
  /** The row field the B-tree index covers. */
  readonly indexColumn: string;
  /** Rows to generate when no data file is given. */
  readonly rows: number;
}

/** A configuration mistake, printed as one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function fail(file: string, message: string): never {
  throw new ConfigError(`${file}: ${message}`);
}

/**
 * `"storage": "postgres"` with a `"connectionString"`: the rows go to
 * PostgreSQL through @sochdb/storage-postgres instead of the configured
 * in-memory storage (`"storage": "memory"`, the default, keeps the list as is).
 */
function withStorage(file: string, config: Record<string, unknown>, plugins: PluginEntry[]): PluginEntry[] {
  const others = plugins.filter((entry) => entry.module !== '@sochdb/storage-memory');
  if (config.storage === 'memory') return plugins;
  if (config.storage !== 'postgres') fail(file, '"storage" must be "memory" or "postgres"');
  if (typeof config.connectionString !== 'string' || config.connectionString === '') {
    fail(file, '"storage": "postgres" needs "connectionString": "postgres://user:password@host:port/database"');
  }
  const options = { name: 'postgres', connectionString: config.connectionString };
  return [{ module: '@sochdb/storage-postgres', options }, ...others];
}

/** Reads and checks the configuration file. Relative `destination` options are made absolute. */
export function readConfig(file: string): DemoConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(file, `cannot read the configuration (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    fail(file, `is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) fail(file, 'must hold a JSON object');
  const config = raw as Record<string, unknown>;
  const directory = dirname(resolve(file));
  if (!Array.isArray(config.plugins) || config.plugins.length === 0) fail(file, '"plugins" must be a non-empty array');
  const plugins = config.plugins.map((entry: unknown, i: number): PluginEntry => {
    if (typeof entry !== 'object' || entry === null) fail(file, `plugins[${i}] must be an object { module, options }`);
    const { module, options = {} } = entry as { module?: unknown; options?: unknown };
    if (typeof module !== 'string' || module === '')
      fail(file, `plugins[${i}].module must be a package name or a path`);
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      fail(file, `plugins[${i}].options must be an object`);
    }
    const resolved = { ...(options as Record<string, unknown>) };
    // File destinations are relative to the configuration, not to where the demo runs.
    if (typeof resolved.destination === 'string' && !isAbsolute(resolved.destination)) {
      resolved.destination = resolve(directory, resolved.destination);
    }
    // So are the directories of durable storage plugins (`path`).
    if (typeof resolved.path === 'string' && !isAbsolute(resolved.path)) {
      resolved.path = resolve(directory, resolved.path);
    }
    return { module, options: resolved };
  });
  if (config.storage !== undefined) plugins.splice(0, plugins.length, ...withStorage(file, config, plugins));
  const codec = config.codec ?? 'lz4';
  if (typeof codec !== 'string') fail(file, '"codec" must be the algorithm of a configured compression plugin');
  const index = (config.index ?? {}) as { column?: unknown };
  const indexColumn = index.column ?? 'city';
  if (typeof indexColumn !== 'string') fail(file, '"index.column" must be a field name');
  const rows = config.rows ?? 100_000;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) fail(file, '"rows" must be a positive integer');
  return { directory, plugins, codec, indexColumn, rows };
}
