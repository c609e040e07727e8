import { describe, expect, it } from 'vitest';
import { ErrorCode, isKernelError, PluginManager } from '../src/index.js';
import { compression, index, type Journal, Recorder, storage } from './helpers.js';

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

  it('shuts down, and refuses, an extension whose init finished after shutdownAll began', async () => {
    const journal: Journal = [];
    const pm = new PluginManager();
    let finishInit: () => void = () => {};
    const pending = pm.register({
      ...storage('late', journal),
      init: () => new Promise<void>((r) => (finishInit = r)),
    });
    await pm.shutdownAll();
    finishInit();
    const error = await pending.catch((e: unknown) => e);
    expect(isKernelError(error) && error.code).toBe(ErrorCode.PLUGIN_MANAGER_SHUT_DOWN);
    expect(journal).toEqual(['shutdown late']);
    expect(pm.storage()).toBeUndefined();
  });
});
