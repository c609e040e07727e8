import { describe, expect, it } from 'vitest';
import { ErrorCode, isKernelError, PluginManager } from '../src/index.js';
import { compression, deferred, index, type Journal, Recorder, settle, storage } from './helpers.js';

describe('shutdownAll', () => {
  it('shuts every extension down once, in reverse registration order across kinds', async () => {
    const journal: Journal = [];
    const pm = new PluginManager();
    await pm.register(storage('s1', journal));
    await pm.register(new Recorder('o1', 1, journal));
    await pm.register(index('i1', 'btree', journal));
    await pm.register(compression('c1', 'lz4', journal));
    await pm.register(storage('s2', journal));
    journal.length = 0;
    await pm.shutdownAll();
    await pm.shutdownAll();
    expect(journal).toEqual(['shutdown s2', 'shutdown c1', 'shutdown i1', 'shutdown o1', 'shutdown s1']);
  });

  it('awaits each shutdown in turn', async () => {
    const journal: Journal = [];
    const pm = new PluginManager();
    const slow = (name: string, ms: number) => ({
      ...storage(name),
      shutdown: async () => {
        journal.push(`begin ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        journal.push(`end ${name}`);
      },
    });
    await pm.register(slow('a', 1));
    await pm.register(slow('b', 15));
    await pm.shutdownAll();
    expect(journal).toEqual(['begin b', 'end b', 'begin a', 'end a']);
  });

  it('goes on past failures and rejects with one KernelError naming every failure', async () => {
    const journal: Journal = [];
    const pm = new PluginManager();
    const failing = (name: string) => ({
      ...storage(name),
      shutdown: async () => {
        journal.push(`shutdown ${name}`);
        throw new Error(`${name} could not close`);
      },
    });
    await pm.register(failing('f1'));
    await pm.register(storage('ok', journal));
    await pm.register(failing('f2'));
    journal.length = 0;
    const error = await pm.shutdownAll().catch((e: unknown) => e);
    expect(journal).toEqual(['shutdown f2', 'shutdown ok', 'shutdown f1']);
    expect(isKernelError(error)).toBe(true);
    const k = error as { kind: string; code: string; message: string; cause: AggregateError };
    expect(k.kind).toBe('plugin');
    expect(k.code).toBe(ErrorCode.PLUGIN_SHUTDOWN_FAILED);
    expect(k.message).toContain("'f2' (f2 could not close)");
    expect(k.message).toContain("'f1' (f1 could not close)");
    expect(k.cause.errors).toHaveLength(2);
    // A second call resolves at once, also after a first that rejected.
    await expect(pm.shutdownAll()).resolves.toBeUndefined();
    expect(journal).toHaveLength(3);
  });

  it('refuses registration, empties accessors and silences fan-out afterwards', async () => {
    const rec = new Recorder('o');
    const pm = new PluginManager();
    await pm.register(storage('s'));
    await pm.register(index('i'));
    await pm.register(compression('c', 'lz4'));
    await pm.register(rec);
    const open = pm.spanStart('before');
    await pm.shutdownAll();
    rec.calls.length = 0;
    expect(pm.storage()).toBeUndefined();
    expect(pm.index('i')).toBeUndefined();
    expect(pm.compression('lz4')).toBeUndefined();
    expect(pm.listExtensions()).toEqual([]);
    expect(pm.listIndexTypes()).toEqual([]);
    expect(pm.listCompression()).toEqual([]);
    expect(pm.hasObservability()).toBe(false);
    expect(pm.spanStart('after')).toBe(0);
    pm.spanEnd(open);
    pm.counterInc('c', 1);
    pm.logInfo('x');
    pm.reportHealth({ operational: true, walSizeBytes: 0, activeTxns: 0, bufferPoolUsage: 0, checkpointAgeSecs: 0 });
    expect(rec.calls).toEqual([]);
    const error = await pm.register(storage('late')).catch((e: unknown) => e);
    expect(isKernelError(error) && error.code).toBe(ErrorCode.PLUGIN_MANAGER_SHUT_DOWN);
    expect((error as Error).message).toContain('has been shut down');
  });

  it('waits for a registration still in its init, then shuts it down in its turn and refuses it', async () => {
    const journal: Journal = [];
    const pm = new PluginManager();
    const gate = deferred();
    await pm.register(storage('a', journal));
    const pending = pm.register({ ...storage('late', journal), init: () => gate.promise });
    await pm.register(storage('c', journal));
    journal.length = 0;
    let done = false;
    const closing = pm.shutdownAll().then(() => {
      done = true;
    });
    await settle();
    expect(done).toBe(false);
    gate.resolve();
    await closing;
    expect(journal).toEqual(['shutdown c', 'shutdown late', 'shutdown a']);
    const error = await pending.catch((e: unknown) => e);
    expect(isKernelError(error) && error.code).toBe(ErrorCode.PLUGIN_MANAGER_SHUT_DOWN);
    expect(pm.storage()).toBeUndefined();
  });

  it('does not shut down a registration whose init fails while it waits', async () => {
    const journal: Journal = [];
    const pm = new PluginManager();
    const gate = deferred();
    await pm.register(storage('a', journal));
    const pending = pm.register({ ...storage('broken', journal), init: () => gate.promise });
    journal.length = 0;
    const closing = pm.shutdownAll();
    gate.reject(new Error('no disk'));
    await closing;
    expect(journal).toEqual(['shutdown a']);
    const error = await pending.catch((e: unknown) => e);
    expect(isKernelError(error) && error.code).toBe(ErrorCode.PLUGIN_INIT_FAILED);
  });
});

describe('shutdownAll called again', () => {
  it('while the first runs, returns that same promise: it settles when and as the first does', async () => {
    const pm = new PluginManager();
    const gate = deferred();
    let shutdowns = 0;
    await pm.register({
      ...storage('s'),
      shutdown: async () => {
        shutdowns++;
        await gate.promise;
        throw new Error('disk gone');
      },
    });
    const first = pm.shutdownAll();
    const second = pm.shutdownAll();
    expect(second).toBe(first);
    let settled = false;
    second.catch(() => {}).finally(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
    gate.resolve();
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a?.status).toBe('rejected');
    expect(b?.status).toBe('rejected');
    expect((b as PromiseRejectedResult).reason).toBe((a as PromiseRejectedResult).reason);
    expect(shutdowns).toBe(1);
    // After it settled, a call resolves at once.
    await expect(pm.shutdownAll()).resolves.toBeUndefined();
  });
});

describe('each extension stays in the fan-out until its own turn', () => {
  it('a storage’s last log line and metric reach a logger registered before it', async () => {
    const pm = new PluginManager();
    const logger = new Recorder('log', 1);
    await pm.register(logger);
    const idx = index('idx');
    await pm.register(idx);
    let seenIndex: unknown;
    await pm.register({
      ...storage('s'),
      shutdown: () => {
        pm.logInfo('storage closing');
        pm.counterInc('storage.closed', 1);
        seenIndex = pm.index('idx');
      },
    });
    await pm.shutdownAll();
    expect(logger.calls).toEqual([
      ['logInfo', 'storage closing', undefined],
      ['counterInc', 'storage.closed', 1, undefined],
    ]);
    expect(seenIndex).toBe(idx);
  });

  it('an extension past its turn gets nothing more, not even the end of a span it started', async () => {
    const pm = new PluginManager();
    let span = 0;
    let late: Array<[unknown, unknown]> = [];
    await pm.register({
      ...storage('s'),
      shutdown: () => {
        late = [
          ['log', pm.logInfo('after the logger')],
          ['end', pm.spanEnd(span)],
        ];
      },
    });
    const logger = new Recorder('log', 1);
    await pm.register(logger);
    span = pm.spanStart('open');
    logger.calls.length = 0;
    await pm.shutdownAll();
    expect(late).toHaveLength(2);
    expect(logger.calls).toEqual([]);
  });
});
