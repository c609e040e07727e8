import { describe, expect, it } from 'vitest';
import { ErrorCode, type Extension, isKernelError, PluginManager, type StorageExtension } from '../src/index.js';
import { compression, deferred, index, info, type Journal, Recorder, settle, storage } from './helpers.js';

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKernelError(error), `expected a KernelError, got ${String(error)}`).toBe(true);
  return error as { kind: string; code: string; message: string; cause?: unknown };
}

describe('registration checks shape and capability', () => {
  it('refuses a non-object and a missing or malformed info, naming the field', async () => {
    const pm = new PluginManager();
    const cases: Array<[unknown, RegExp]> = [
      [null, /expected an extension object, got null/],
      [class MemoryStorage {}, /got function MemoryStorage: did you forget `new`\?/],
      [
        { apiVersion: 1, capability: 'storage', create: () => storage('s') },
        /this is a plugin module, not an extension: .*loadPlugin/,
      ],
      [{}, /info is missing/],
      [{ ...storage('s'), info: { ...info('', ['storage']) } }, /info\.name must be a non-empty string/],
      [
        { ...storage('s'), info: { ...info('s', ['storage']), capabilities: 'storage' } },
        /info\.capabilities must be an array/,
      ],
      [{ ...storage('s'), info: { ...info('s', ['storage']), version: 1 } }, /info\.version must be a string/],
      [{ ...storage('s'), info: info('s', ['storage', 'bogus' as never]) }, /"bogus", which is not a capability/],
    ];
    for (const [value, message] of cases) {
      const error = await rejection(pm.register(value as Extension));
      expect(error.kind).toBe('plugin');
      expect(error.code).toBe(ErrorCode.PLUGIN_INVALID);
      expect(error.message).toMatch(message);
    }
    expect(pm.listExtensions()).toEqual([]);
  });

  it('refuses an extension missing a required method, naming it', async () => {
    const pm = new PluginManager();
    const { scan: _scan, flush: _flush, ...partial } = storage('half');
    const error = await rejection(pm.registerStorage(partial as unknown as StorageExtension));
    expect(error.code).toBe(ErrorCode.PLUGIN_INVALID);
    expect(error.message).toContain('"half"');
    expect(error.message).toContain('missing the storage methods scan, flush');
    expect(pm.storage()).toBeUndefined();
  });

  it('checks the optional 1.1 storage methods when present', async () => {
    const pm = new PluginManager();
    for (const method of ['scanReverse', 'iterate', 'batch']) {
      const error = await rejection(pm.registerStorage({ ...storage('s'), [method]: true } as StorageExtension));
      expect(error.message).toContain(`${method} must be a function when present`);
    }
    await pm.registerStorage({ ...storage('s'), scanReverse: async () => [], batch: async () => {} });
  });

  it('refuses an index without indexType and a compression without algorithm', async () => {
    const pm = new PluginManager();
    const noType = { ...index('i'), indexType: '' };
    expect((await rejection(pm.registerIndex(noType))).message).toContain('indexType must be a non-empty string');
    const noAlgorithm = { ...compression('c', 'x'), algorithm: undefined as unknown as string };
    expect((await rejection(pm.registerCompression(noAlgorithm))).message).toContain(
      'algorithm must be a non-empty string',
    );
  });

  it('register() dispatches on the one core capability declared', async () => {
    const pm = new PluginManager();
    await pm.register(storage('s'));
    await pm.register(index('i', 'hash'));
    await pm.register(new Recorder('o'));
    await pm.register(compression('c', 'lz4'));
    expect(pm.storage()?.info.name).toBe('s');
    expect(pm.index('i')?.indexType).toBe('hash');
    expect(pm.hasObservability()).toBe(true);
    expect(pm.compression('lz4')?.info.name).toBe('c');
  });

  it('register() refuses none, two, or only custom capabilities, before init runs', async () => {
    const pm = new PluginManager();
    let inits = 0;
    const base = { ...storage('x'), init: () => void inits++ };
    for (const capabilities of [[], ['storage', 'index'], ['custom:cache'], ['auth']] as const) {
      const error = await rejection(pm.register({ ...base, info: info('x', capabilities) }));
      expect(error.code).toBe(ErrorCode.PLUGIN_CAPABILITY);
    }
    const two = await rejection(pm.register({ ...base, info: info('x', ['storage', 'index']) }));
    expect(two.message).toContain('declares storage and index');
    expect(inits).toBe(0);
  });

  it('registerX refuses an extension that does not declare capability X', async () => {
    const pm = new PluginManager();
    const error = await rejection(pm.registerStorage({ ...storage('s'), info: info('s', ['index']) }));
    expect(error.code).toBe(ErrorCode.PLUGIN_CAPABILITY);
    expect(error.message).toContain('does not include "storage"');
  });

  it('accepts informational capabilities beside the core one', async () => {
    const pm = new PluginManager();
    await pm.register({ ...storage('s'), info: info('s', ['storage', 'custom:wal', 'auth']) });
    expect(pm.storage()?.info.name).toBe('s');
  });
});

describe('init', () => {
  it('is awaited before registration completes', async () => {
    const pm = new PluginManager();
    let release: () => void = () => {};
    const ext = { ...storage('slow'), init: () => new Promise<void>((resolve) => (release = resolve)) };
    const pending = pm.registerStorage(ext);
    await new Promise((r) => setTimeout(r, 5));
    expect(pm.storage()).toBeUndefined();
    expect(pm.listExtensions()).toEqual([]);
    release();
    await pending;
    expect(pm.storage()).toBe(ext);
  });

  it('a failed init leaves nothing registered, and the name free again', async () => {
    const pm = new PluginManager();
    const boom = new Error('disk not mounted');
    const error = await rejection(pm.registerStorage({ ...storage('s'), init: async () => Promise.reject(boom) }));
    expect(error.code).toBe(ErrorCode.PLUGIN_INIT_FAILED);
    expect(error.message).toContain('disk not mounted');
    expect(error.cause).toBe(boom);
    expect(pm.storage()).toBeUndefined();
    expect(pm.listExtensions()).toEqual([]);
    await pm.registerStorage(storage('s'));
    expect(pm.storage()?.info.name).toBe('s');
  });

  it('a failed compression init frees its algorithm too', async () => {
    const pm = new PluginManager();
    await rejection(
      pm.registerCompression({
        ...compression('a', 'zstd'),
        init: () => {
          throw new Error('no wasm');
        },
      }),
    );
    await pm.registerCompression(compression('b', 'zstd'));
    expect(pm.compression('zstd')?.info.name).toBe('b');
  });
});

describe('names are unique across the manager', () => {
  it('refuses a second extension of the same name, whatever its kind', async () => {
    const pm = new PluginManager();
    await pm.registerStorage(storage('shared'));
    const error = await rejection(pm.registerIndex(index('shared')));
    expect(error.code).toBe(ErrorCode.PLUGIN_DUPLICATE);
    expect(error.message).toContain("'shared' already registered");
    expect(pm.index('shared')).toBeUndefined();
  });

  it('refuses a second compression of the same algorithm under another name', async () => {
    const pm = new PluginManager();
    await pm.registerCompression(compression('lz4-a', 'lz4'));
    const error = await rejection(pm.registerCompression(compression('lz4-b', 'lz4')));
    expect(error.code).toBe(ErrorCode.PLUGIN_DUPLICATE);
    expect(error.message).toContain("compression 'lz4' already registered by 'lz4-a', so 'lz4-b' was not");
    expect(pm.listCompression()).toEqual(['lz4']);
  });

  it('lets exactly one of two racing registrations of one name win', async () => {
    const pm = new PluginManager();
    const slow = (ms: number): StorageExtension => ({
      ...storage('race'),
      init: () => new Promise((r) => setTimeout(r, ms)),
    });
    const results = await Promise.allSettled([pm.registerStorage(slow(20)), pm.registerStorage(slow(1))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason.code).toBe(ErrorCode.PLUGIN_DUPLICATE);
    expect(pm.listExtensions().map((i) => i.name)).toEqual(['race']);
  });
});

describe('an extension instance belongs to one manager', () => {
  it('refuses an instance registered in another live manager', async () => {
    const first = new PluginManager();
    const second = new PluginManager();
    const shared = storage('shared');
    await first.register(shared);
    const error = await rejection(second.register(shared));
    expect(error.code).toBe(ErrorCode.PLUGIN_DUPLICATE);
    expect(error.message).toContain('already registered in another PluginManager');
    expect(second.storage()).toBeUndefined();
  });

  it('refuses an instance another manager shut down, saying to create a new one, and never inits it again', async () => {
    const journal: Journal = [];
    const first = new PluginManager();
    const second = new PluginManager();
    const shared = storage('shared', journal);
    await first.register(shared);
    await first.shutdownAll();
    const error = await rejection(second.register(shared));
    expect(error.kind).toBe('plugin');
    expect(error.code).toBe(ErrorCode.PLUGIN_INSTANCE_SHUT_DOWN);
    expect(error.message).toContain("storage extension 'shared' was shut down");
    expect(error.message).toContain('Create a new instance');
    expect(journal).toEqual(['init shared', 'shutdown shared']);
    expect(second.storage()).toBeUndefined();
    expect(second.listExtensions()).toEqual([]);
  });

  it('frees an instance whose init failed', async () => {
    let fail = true;
    const flaky = {
      ...storage('flaky'),
      init: () => {
        if (fail) throw new Error('not yet');
      },
    };
    await rejection(new PluginManager().register(flaky));
    fail = false;
    await new PluginManager().register(flaky);
  });
});

describe('storage selection', () => {
  it('makes the first storage registered the active one, and setActiveStorage switches', async () => {
    const pm = new PluginManager();
    expect(pm.storage()).toBeUndefined();
    const a = storage('a');
    const b = storage('b');
    await pm.registerStorage(a);
    await pm.registerStorage(b);
    expect(pm.storage()).toBe(a);
    pm.setActiveStorage('b');
    expect(pm.storage()).toBe(b);
  });

  it('setActiveStorage of an unknown name is a KernelError listing what is registered', async () => {
    const pm = new PluginManager();
    await pm.registerStorage(storage('a'));
    let error: unknown;
    try {
      pm.setActiveStorage('nope');
    } catch (e) {
      error = e;
    }
    expect(isKernelError(error) && error.code).toBe(ErrorCode.PLUGIN_NOT_FOUND);
    expect((error as Error).message).toBe("storage extension 'nope' not found; registered storage: a");
    expect(pm.storage()?.info.name).toBe('a');
  });
});

describe('lookup and listing', () => {
  it('lists extensions in registration order across kinds and returns the registered objects', async () => {
    const pm = new PluginManager();
    const journal: Journal = [];
    const c = compression('zip', 'gzip', journal);
    const i = index('by-email', 'btree', journal);
    await pm.register(c);
    await pm.register(new Recorder('metrics'));
    await pm.register(i);
    await pm.register(storage('mem'));
    await pm.register(index('by-name', 'btree'));
    await pm.register(index('vectors', 'hnsw'));
    expect(pm.listExtensions().map((x) => x.name)).toEqual(['zip', 'metrics', 'by-email', 'mem', 'by-name', 'vectors']);
    expect(pm.listIndexTypes()).toEqual(['btree', 'hnsw']);
    expect(pm.listCompression()).toEqual(['gzip']);
    expect(pm.index('by-email')).toBe(i);
    expect(pm.compression('gzip')).toBe(c);
    expect(pm.index('missing')).toBeUndefined();
    expect(pm.compression('missing')).toBeUndefined();
  });
});

describe('names are read once, before init', () => {
  it('an init that renames its extension changes nothing: no second "b", the first stays reachable', async () => {
    const pm = new PluginManager();
    const first = storage('b');
    await pm.registerStorage(first);
    const renamer = storage('x') as { info: ReturnType<typeof info> } & StorageExtension;
    renamer.init = () => {
      renamer.info = info('b', ['storage']);
    };
    await pm.registerStorage(renamer);
    expect(pm.storage()).toBe(first);
    pm.setActiveStorage('x');
    expect(pm.storage()).toBe(renamer);
    pm.setActiveStorage('b');
    expect(pm.storage()).toBe(first);
    expect(pm.listExtensions().map((i) => i.name)).toEqual(['b', 'x']);
    // The name it registered under is still taken; the one it took later is not given to it.
    expect((await rejection(pm.registerStorage(storage('x')))).code).toBe(ErrorCode.PLUGIN_DUPLICATE);
  });

  it('an init that changes algorithm or indexType changes nothing', async () => {
    const pm = new PluginManager();
    const codec = compression('codec', 'lz4') as { algorithm: string } & ReturnType<typeof compression>;
    codec.init = () => {
      codec.algorithm = 'zstd';
    };
    const idx = index('idx', 'btree') as { indexType: string } & ReturnType<typeof index>;
    idx.init = () => {
      idx.indexType = 'hnsw';
    };
    await pm.register(codec);
    await pm.register(idx);
    expect(pm.compression('lz4')).toBe(codec);
    expect(pm.compression('zstd')).toBeUndefined();
    expect(pm.listCompression()).toEqual(['lz4']);
    expect(pm.listIndexTypes()).toEqual(['btree']);
    await pm.register(compression('real-zstd', 'zstd'));
    expect(pm.compression('zstd')?.info.name).toBe('real-zstd');
  });
});

describe('reserved name', () => {
  it('refuses an extension named PluginManager, the name the manager reports its own drops under', async () => {
    const pm = new PluginManager();
    let inits = 0;
    const error = await rejection(pm.register({ ...storage('PluginManager'), init: () => void inits++ }));
    expect(error.code).toBe(ErrorCode.PLUGIN_INVALID);
    expect(error.message).toContain('"PluginManager" is reserved');
    expect(inits).toBe(0);
    expect(pm.listExtensions()).toEqual([]);
  });
});

describe('registration order is the order of the register calls', () => {
  it('whatever order the inits finish in: listing, active storage and shutdown order', async () => {
    const journal: Journal = [];
    const pm = new PluginManager();
    const [gate0, gate1, gate2] = [deferred(), deferred(), deferred()];
    const slow = (name: string, gate: Promise<void>): StorageExtension => ({
      ...storage(name, journal),
      init: () => gate,
    });
    const pending = [
      pm.register(slow('first', gate0.promise)),
      pm.register(slow('second', gate1.promise)),
      pm.register({ ...index('third', 'btree', journal), init: () => gate2.promise }),
    ];
    gate2.resolve();
    await pending[2];
    gate1.resolve();
    await pending[1];
    gate0.resolve();
    await Promise.all(pending);
    expect(pm.listExtensions().map((i) => i.name)).toEqual(['first', 'second', 'third']);
    expect(pm.storage()?.info.name).toBe('first');
    await pm.shutdownAll();
    expect(journal).toEqual(['shutdown third', 'shutdown second', 'shutdown first']);
  });

  it('fans out in the order of the register calls too', async () => {
    const pm = new PluginManager();
    const heard: string[] = [];
    const [slowGate, fastGate] = [deferred(), deferred()];
    const listener = (name: string, gate: Promise<void>) => {
      return Object.assign(new Recorder(name), {
        init: () => gate,
        logInfo: () => void heard.push(name),
      });
    };
    const pending = [
      pm.register(listener('first', slowGate.promise)),
      pm.register(listener('second', fastGate.promise)),
    ];
    fastGate.resolve();
    await pending[1];
    slowGate.resolve();
    await Promise.all(pending);
    pm.logInfo('hello');
    expect(heard).toEqual(['first', 'second']);
  });

  it('a registration whose init fails leaves no gap and changes no one else’s place', async () => {
    const pm = new PluginManager();
    const gate = deferred();
    const failing = pm.register({ ...storage('a'), init: () => gate.promise });
    const b = pm.register(storage('b'));
    await b;
    gate.reject(new Error('no disk'));
    await rejection(failing);
    await pm.register(storage('c'));
    expect(pm.listExtensions().map((i) => i.name)).toEqual(['b', 'c']);
    expect(pm.storage()?.info.name).toBe('b');
    await settle();
  });
});

describe('listExtensions', () => {
  it('hands out copies: changing them, or the extension’s info afterwards, changes nothing', async () => {
    const pm = new PluginManager();
    const ext = storage('s');
    await pm.register(ext);
    const listed = pm.listExtensions()[0] as unknown as { name: string; capabilities: string[] };
    expect(listed).not.toBe(ext.info);
    expect(listed).toEqual(ext.info);
    listed.name = 'changed';
    listed.capabilities.push('index');
    expect(pm.listExtensions()).toEqual([ext.info]);
    expect(ext.info.name).toBe('s');
    expect(ext.info.capabilities).toEqual(['storage']);
  });
});
