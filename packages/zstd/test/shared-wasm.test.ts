import { createRequire } from 'node:module';
import { describe, it } from 'vitest';
import { ZstdCompression } from '../src/index.js';
import { expectSameBytes, jsonLines } from './helpers.js';

const require = createRequire(import.meta.url);

/** `@bokuweb/zstd-wasm` as an application uses it beside the plugin: init() as its README says, then its helpers. */
const raw = require('@bokuweb/zstd-wasm') as {
  init(): Promise<void>;
  compress(input: Uint8Array, level?: number): Uint8Array;
  decompress(input: Uint8Array): Uint8Array;
};

/** Lets an instantiation started by an init() finish, as it does on a later turn of the event loop. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

// The plugin loads the same libzstd build that an application may use
// directly. Whatever that application does with it (init it before or after
// the plugin, use its helpers between our calls), the plugin's contexts and
// scratch buffers must stay valid: they live in a WebAssembly instance of the
// plugin's own.
describe('beside an application that uses @bokuweb/zstd-wasm itself', () => {
  it("the application's init() after ours breaks neither side", async () => {
    const zstd = new ZstdCompression();
    await zstd.init();
    const input = jsonLines(200_000);
    const before = zstd.compress(input);
    await raw.init();
    await settle();
    expectSameBytes(zstd.decompress(before), input);
    expectSameBytes(zstd.decompress(zstd.compress(input)), input);
    expectSameBytes(raw.decompress(raw.compress(input, 3)), input);
    // Frames cross over both ways.
    expectSameBytes(raw.decompress(zstd.compress(input)), input);
    expectSameBytes(zstd.decompress(raw.compress(input, 3)), input);
  });

  it("a second application init() while ours is in use, and ours after the application's", async () => {
    await raw.init();
    const zstd = new ZstdCompression({ level: 9 });
    await zstd.init();
    const input = jsonLines(50_000);
    const pending = raw.init();
    expectSameBytes(zstd.decompress(zstd.compress(input)), input);
    await pending;
    await settle();
    // (The package's own helpers do not survive init() called again while one is pending; ours must.)
    for (let i = 0; i < 20; i++) expectSameBytes(zstd.decompress(zstd.compress(input)), input);
  });
});
