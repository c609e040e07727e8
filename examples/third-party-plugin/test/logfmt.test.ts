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
  });

  it('loads as a plugin module through @sochdb/core (the built file, as users load it)', async () => {
    const ext = await loadPlugin(new URL('../dist/index.js', import.meta.url).href, { destination: { write() {} } });
    expect(isObservabilityExtension(ext)).toBe(true);
    expect(ext.info.name).toBe('logfmt');
  });
});
