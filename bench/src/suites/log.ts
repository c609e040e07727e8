/**
 * `pnpm bench log`: JSON log lines per second written to a file by
 * @sochdb/json-logging, next to pino (its default asynchronous destination
 * and `sync: true`) and two hand-written references. Every contender writes
 * the same ~150-byte lines to a fresh file, and a round ends only when every
 * line is in the file (pino's and ours flushed synchronously), so buffering
 * cannot hide work.
 */

import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginManager } from '@sochdb/core';
import { JsonLogger } from '@sochdb/json-logging';
import pino from 'pino';
import type { Contender, Suite } from '../harness.js';

/** Types a contender's state; the harness's `Case` holds contenders of any state as `Contender<never>`. */
const contender = <State>(spec: Contender<State>) => spec as unknown as Contender<never>;

const LINES = 200_000;
const FIELDS = { table: 'orders', txn: '7340032', rows: '42', durationMs: '1.250' } as const;
const MESSAGE = 'transaction committed';

let dir = '';
let fileNo = 0;
const nextFile = () => join(dir, `log-${fileNo++}.ndjson`);

function expectSize(file: string): void {
  // A round that lost lines would look fast; refuse it.
  const size = statSync(file).size;
  if (size < LINES * 100) throw new Error(`${file}: only ${size} bytes written for ${LINES} lines`);
}

const suite: Suite = {
  name: 'log',
  description: `${LINES / 1000}k JSON lines of ~150 bytes to a file, every line on disk at the end of each round`,
  async run(bench) {
    dir = mkdtempSync(join(tmpdir(), 'sochdb-bench-log-'));
    try {
      const sample = new JsonLogger({ destination: join(dir, 'sample.ndjson'), base: { service: 'sochdb' } });
      sample.logInfo(MESSAGE, FIELDS);
      await sample.shutdown();
      bench.figures('line', [{ name: 'bytes per line', value: statSync(join(dir, 'sample.ndjson')).size, unit: 'B' }]);

      await bench.case({
        name: `log ${LINES / 1000}k lines to a file`,
        ops: LINES,
        contenders: [
          contender({
            name: 'pino (default async destination)',
            baseline: true,
            setup: async () => {
              const file = nextFile();
              const dest = pino.destination({ dest: file, sync: false });
              await once(dest, 'ready');
              return { file, dest, log: pino({ base: { service: 'sochdb' } }, dest) };
            },
            run: ({ dest, log }) => {
              for (let i = 0; i < LINES; i++) log.info(FIELDS, MESSAGE);
              dest.flushSync();
            },
            teardown: ({ file, dest }) => {
              dest.end();
              expectSize(file);
            },
          }),
          contender({
            name: 'pino (sync: true)',
            baseline: true,
            setup: () => {
              const file = nextFile();
              const dest = pino.destination({ dest: file, sync: true });
              return { file, dest, log: pino({ base: { service: 'sochdb' } }, dest) };
            },
            run: ({ log }) => {
              for (let i = 0; i < LINES; i++) log.info(FIELDS, MESSAGE);
            },
            teardown: ({ file, dest }) => {
              dest.end();
              expectSize(file);
            },
          }),
          contender({
            name: 'JSON.stringify + writeSync per line',
            setup: () => {
              const file = nextFile();
              return { file, fd: openSync(file, 'a') };
            },
            run: ({ fd }) => {
              for (let i = 0; i < LINES; i++) {
                writeSync(
                  fd,
                  `${JSON.stringify({ level: 30, time: Date.now(), msg: MESSAGE, service: 'sochdb', ...FIELDS })}\n`,
                );
              }
            },
            teardown: ({ file, fd }) => {
              closeSync(fd);
              expectSize(file);
            },
          }),
          contender({
            name: '@sochdb/json-logging',
            setup: () => {
              const file = nextFile();
              return { file, log: new JsonLogger({ destination: file, base: { service: 'sochdb' } }) };
            },
            run: ({ log }) => {
              for (let i = 0; i < LINES; i++) log.logInfo(MESSAGE, FIELDS);
              log.flush();
            },
            teardown: async ({ file, log }) => {
              await log.shutdown();
              expectSize(file);
            },
          }),
          contender({
            name: '@sochdb/json-logging via PluginManager',
            setup: async () => {
              const file = nextFile();
              const log = new JsonLogger({ destination: file, base: { service: 'sochdb' } });
              const manager = new PluginManager();
              await manager.register(log);
              return { file, log, manager };
            },
            run: ({ log, manager }) => {
              for (let i = 0; i < LINES; i++) manager.logInfo(MESSAGE, FIELDS);
              log.flush();
            },
            teardown: async ({ file, manager }) => {
              await manager.shutdownAll();
              expectSize(file);
            },
          }),
        ],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default suite;
