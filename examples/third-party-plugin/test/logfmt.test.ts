import { isObservabilityExtension, loadPlugin, PluginManager } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { formatLine, LogfmtObservability } from '../src/index.js';

function capture() {
  const lines: string[] = [];
  return { lines, sink: { write: (line: string) => void lines.push(line) } };
}
const now = () => new Date('2026-01-02T03:04:05.000Z');

describe('logfmt lines', () => {
  it('quotes values only when they need it', () => {
    expect(
      formatLine([
        ['a', 'plain'],
        ['b', 'two words'],
        ['c', ''],
        ['d', 'x="y"'],
        ['bad key', 'line\nbreak'],
      ]),
    ).toBe('a=plain b="two words" c="" d="x=\\"y\\"" bad_key="line\\nbreak"');
  });

  it('writes ts, level, msg and the fields, at or above the minimum level', async () => {
    const { lines, sink } = capture();
    const pm = new PluginManager();
    await pm.register(new LogfmtObservability({ destination: sink, level: 'info', now }));
    pm.logDebug('hidden');
    pm.logInfo('table opened', { table: 'users', rows: '12' });
    pm.logError('disk full');
    expect(lines).toEqual([
      'ts=2026-01-02T03:04:05.000Z level=info msg="table opened" table=users rows=12\n',
      'ts=2026-01-02T03:04:05.000Z level=error msg="disk full"\n',
    ]);
  });

  it('logs a span when it ends, with its duration', async () => {
    const { lines, sink } = capture();
    const pm = new PluginManager();
    await pm.register(new LogfmtObservability({ destination: sink, now }));
    const span = pm.spanStart('query');
    pm.spanEnd(span);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ts=\S+ level=info msg="span end" span=query duration_ms=\d+\.\d{3}\n$/);
  });

  it('counts lines a failing destination refused, and never throws', () => {
    const ext = new LogfmtObservability({
      destination: {
        write() {
          throw new Error('EPIPE');
        },
      },
    });
    expect(() => ext.logError('x')).not.toThrow();
    expect(ext.droppedLines).toBe(1);
  });

  it('refuses an unknown level when constructed', () => {
    expect(() => new LogfmtObservability({ level: 'loud' as never })).toThrow(RangeError);
    // Names every object has through its prototype are not levels.
    for (const level of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(() => new LogfmtObservability({ level: level as never })).toThrow(RangeError);
    }
    expect(() => new LogfmtObservability({ level: 'toString' as never })).toThrow(/got string "toString"$/);
    expect(() => new LogfmtObservability({ level: 3 as never })).toThrow(TypeError);
    expect(() => new LogfmtObservability({ level: 3 as never })).toThrow(/options\.level .*; got number 3$/);
  });

  it('refuses other bad options with a TypeError showing the value with its type', () => {
    const make = (options: unknown) => () => new LogfmtObservability(options as never);
    expect(make(null)).toThrow(/^options must be an object; got null$/);
    expect(make('debug')).toThrow(/^options must be an object; got string "debug"$/);
    expect(make({ name: '' })).toThrow(/^options\.name must be a non-empty string; got string ""$/);
    expect(make({ name: 7 })).toThrow(TypeError);
    expect(make({ spans: 'yes' })).toThrow(/^options\.spans must be a boolean; got string "yes"$/);
    expect(make({ destination: {} })).toThrow(
      /^options\.destination must be an object with a write\(line\) method.*; got an Object$/,
    );
    expect(make({ destination: 'stderr' })).toThrow(TypeError);
    expect(make({ now: Date.now() })).toThrow(/^options\.now must be a function returning a Date; got number \d+$/);
    expect(make({ levle: 'debug' })).toThrow(
      /^unknown option "levle"; the options are name, destination, level, spans, now$/,
    );
    for (const bad of [null, 'debug', { name: '' }, { name: 7 }, { spans: 'yes' }, { destination: {} }, { levle: 1 }]) {
      expect(make(bad)).toThrow(TypeError);
    }
  });

  it('loads as a plugin module through @sochdb/core (the built file, as users load it)', async () => {
    const ext = await loadPlugin(new URL('../dist/index.js', import.meta.url).href, { destination: { write() {} } });
    expect(isObservabilityExtension(ext)).toBe(true);
    expect(ext.info.name).toBe('logfmt');
  });
});
