/**
 * `pnpm bench compression` (zstd part): @sochdb/zstd beside the libraries it
 * is measured against, every check on.
 *
 * - raw libzstd: `@bokuweb/zstd-wasm`'s own `compress`/`decompress` (the same
 *   libzstd 1.5.7 build we use, without our frame scan, checksum append or
 *   buffer reuse);
 * - fzstd: the pure-JS decoder named in the design (decompress only; it
 *   cannot compress), which verifies no checksum and trusts the headers;
 * - node:zlib gzip levels 1 and 6, the familiar reference;
 * - on random bytes (which libzstd stores as raw blocks), the floor of a
 *   checked decode, as the two baselines of that case: copy the bytes once
 *   and hash them once with XXH64 (`xxhash-wasm`, the hasher @sochdb/zstd
 *   uses), piece by piece (each 128 KiB piece hashed while still in the CPU
 *   cache, the fastest way we know) and as two whole-buffer passes.
 *
 * Inputs: ~3 MB of JSON lines, 3 MB of random bytes, and 10,000 values of
 * 1 KiB (per-call overhead matters when every row value is compressed).
 * `ops` is bytes of uncompressed input, so ops/s reads as bytes/s (M = MB/s).
 */
import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ZstdCompression } from '@sochdb/zstd';
import * as fzstd from 'fzstd';
import xxhash from 'xxhash-wasm';
import { compressionInputs, each, totalBytes } from '../compression-inputs.js';
import type { Bench, Figure, Suite } from '../harness.js';

const require = createRequire(import.meta.url);
const rawZstd = require('@bokuweb/zstd-wasm') as {
  init(): Promise<void>;
  compress(input: Uint8Array, level?: number): Uint8Array;
  decompress(input: Uint8Array): Uint8Array;
};

const LEVEL = 3;
async function runSuite(bench: Bench): Promise<void> {
  // @sochdb/zstd runs libzstd in a WebAssembly instance of its own, so the raw package is initialised
  // for its own helpers, in any order.
  const ours = new ZstdCompression({ level: LEVEL });
  await Promise.all([ours.init(), rawZstd.init()]);
  const { h64Raw, create64 } = await xxhash();
  const PIECE = 128 * 1024;
  /** Copy `input` and hash the copy with XXH64, 128 KiB at a time. */
  const copyAndHashByPiece = (input: Uint8Array) => {
    const out = new Uint8Array(input.length);
    const state = create64(0n);
    for (let at = 0; at < input.length; at += PIECE) {
      const end = Math.min(at + PIECE, input.length);
      out.set(input.subarray(at, end), at);
      state.update(out.subarray(at, end));
    }
    return state.digest();
  };
  const inputs = compressionInputs();

  const ratios: Figure[] = [];
  for (const [label, data] of inputs) {
    const bytes = totalBytes(data);
    const rounds = data.length > 1 ? 7 : 15;
    await bench.case({
      name: `zstd compress ${label} (level ${LEVEL}; ops = bytes)`,
      ops: bytes,
      rounds,
      contenders: [
        each(`@sochdb/zstd (${ours.encoder})`, data, (input) => ours.compress(input)),
        each('raw libzstd-wasm (@bokuweb/zstd-wasm)', data, (input) => rawZstd.compress(input, LEVEL), true),
        each('node:zlib gzip 1', data, (input) => gzipSync(input, { level: 1 })),
        each('node:zlib gzip 6', data, (input) => gzipSync(input, { level: 6 })),
      ],
    });

    const oursFrames = data.map((input) => ours.compress(input));
    const rawFrames = data.map((input) => rawZstd.compress(input, LEVEL));
    const gzipFrames = data.map((input) => gzipSync(input, { level: 6 }));
    // Stored blocks: nothing to decode, so the floor is one copy and one checksum pass.
    const stored = label.includes('random');
    const floors = [
      each('floor: copy + one XXH64 pass, per 128 KiB piece', data, copyAndHashByPiece, true),
      each('floor: copy, then one whole-buffer XXH64 pass', data, (input) => h64Raw(new Uint8Array(input)), true),
    ];
    await bench.case({
      name: `zstd decompress ${label} (ops = output bytes)`,
      ops: bytes,
      rounds,
      contenders: [
        each('@sochdb/zstd (checks on)', oursFrames, (frame) => ours.decompress(frame)),
        each('fzstd', oursFrames, (frame) => fzstd.decompress(frame), !stored),
        ...(stored ? floors : []),
        each('raw libzstd-wasm (@bokuweb/zstd-wasm)', rawFrames, (frame) => rawZstd.decompress(frame)),
        each('node:zlib gunzip (of gzip 6)', gzipFrames, (frame) => gunzipSync(frame)),
      ],
    });

    const ratio = (frames: readonly Uint8Array[]) => bytes / totalBytes(frames);
    ratios.push(
      { name: `${label}: @sochdb/zstd level ${LEVEL}`, value: ratio(oursFrames), unit: 'x' },
      { name: `${label}: raw libzstd level ${LEVEL}`, value: ratio(rawFrames), unit: 'x', note: 'no checksum' },
      { name: `${label}: gzip 1`, value: ratio(data.map((input) => gzipSync(input, { level: 1 }))), unit: 'x' },
      { name: `${label}: gzip 6`, value: ratio(gzipFrames), unit: 'x' },
    );
    for (const level of [1, 19]) {
      ours.setLevel(level);
      ratios.push({
        name: `${label}: @sochdb/zstd level ${level}`,
        value: ratio(data.map((d) => ours.compress(d))),
        unit: 'x',
      });
    }
    ours.setLevel(LEVEL);
  }
  bench.figures('zstd compression ratios (input bytes / compressed bytes)', ratios);
}

const suite: Suite = {
  name: 'compression',
  description: '@sochdb/zstd vs raw libzstd-wasm, fzstd and node:zlib gzip: MB/s both ways and ratio',
  run: runSuite,
};
export default suite;
