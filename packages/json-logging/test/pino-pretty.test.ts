import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtEntry } from './helpers.js';

const require = createRequire(import.meta.url);
const PINO_PRETTY = join(dirname(require.resolve('pino-pretty/package.json')), 'bin.js');
const DIST = builtEntry();

/** The script of a process that logs through @sochdb/json-logging to its stdout. */
const LOGGING_PROCESS = `
const { JsonLogger } = await import(${JSON.stringify(DIST)});
const log = new JsonLogger({ level: 'debug', base: { service: 'orders-db' }, spans: true, metrics: true, health: true });
log.logDebug('opening', { path: '/var/lib/sochdb' });
log.logInfo('checkpoint finished', { table: 'users', pages: '12' });
log.logWarn('slow "fsync"\\nsecond line', { ms: '250' });
log.logError('page corrupt', { page: '7', level: 'not a level' });
const span = log.spanStart('txn.commit');
log.spanEnd(span);
log.counterInc('txn.commit', 1, { table: 'users' });
log.reportHealth({ operational: false, walSizeBytes: 1, activeTxns: 0, bufferPoolUsage: 0.5, checkpointAgeSecs: 3 });
`;

/** Runs the logging process with its stdout piped into the pino-pretty CLI; resolves with what pino-pretty printed. */
function throughPinoPretty(): Promise<{ pretty: string; errors: string }> {
  return new Promise((resolve, reject) => {
    const logger = spawn(process.execPath, ['--input-type=module', '-e', LOGGING_PROCESS], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pretty = spawn(process.execPath, [PINO_PRETTY, '--no-color'], { stdio: [logger.stdout, 'pipe', 'pipe'] });
    let out = '';
    let errors = '';
    logger.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    pretty.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    pretty.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    pretty.on('error', reject);
    pretty.on('close', () => resolve({ pretty: out, errors }));
  });
}

describe('pino-pretty reads the lines', () => {
  it('a real process logging to stdout, piped into the pino-pretty CLI, prints levels, messages and fields', async () => {
    const { pretty, errors } = await throughPinoPretty();
    expect(errors).toBe('');
    const lines = pretty.split('\n');
    const header = (level: string, message: string) =>
      lines.some((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] /.test(line) && line.endsWith(`${level}: ${message}`));
    expect(header('DEBUG', 'opening'), pretty).toBe(true);
    expect(header('INFO', 'checkpoint finished'), pretty).toBe(true);
    expect(header('WARN', 'slow "fsync"'), pretty).toBe(true);
    expect(header('ERROR', 'page corrupt'), pretty).toBe(true);
    expect(header('DEBUG', 'span start'), pretty).toBe(true);
    expect(header('DEBUG', 'span end'), pretty).toBe(true);
    expect(header('DEBUG', 'metric'), pretty).toBe(true);
    expect(header('ERROR', 'health'), pretty).toBe(true);
    // Fields are printed under their line, base fields included.
    expect(pretty).toContain('    service: "orders-db"');
    expect(pretty).toContain('    table: "users"');
    expect(pretty).toContain('    pages: "12"');
    expect(pretty).toContain('    _level: "not a level"');
    expect(pretty).toContain('    metric: "txn.commit"');
    expect(pretty).toContain('    span: "txn.commit"');
    expect(pretty).toMatch(/durationMs: \d/);
    expect(pretty).toContain('"operational": false');
    // No line was refused as not JSON (pino-pretty echoes those unchanged).
    expect(pretty).not.toContain('{"level"');
  });
});
