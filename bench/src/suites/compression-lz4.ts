/**
 * `pnpm bench compression` (lz4 part): @sochdb/lz4 beside the libraries it is
 * measured against, every check on (content size and XXH32 content checksum
 * written and verified, every bound checked).
 *
 * - raw lz4js 0.2.0: its own `compress`/`decompress` (no checksum, no bounds);
 * - lz4-napi (liblz4 via Rust, native): the ceiling, frame API;
 * - node:zlib gzip levels 1 and 6, the familiar reference.
 *
 * Inputs: ~3 MB of JSON lines, 3 MB of random bytes, and 10,000 values of
 * 1 KiB (per-call overhead matters when every row value is compressed). On
 * the values lz4js decompresses told the output size; without it (as it is
 * usually called) it allocates 4 MiB per call, measured on 1,000 values.
 * `ops` is bytes of uncompressed input, so ops/s reads as bytes/s (M = MB/s).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { Lz4Compression } from '@sochdb/lz4';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import * as lz4js from 'lz4js';
import { compressionInputs, each, totalBytes, VALUE_BYTES } from '../compression-inputs.js';
import type { Bench, Figure, Suite } from '../harness.js';

/**
 * Large inputs are run this many times per round: one 3 MB call takes a few
 * milliseconds, too short to time steadily on a shared machine.
 */
const LARGE_REPEAT = 4;
/**
 * Small values decompressed by lz4js as it is usually called, without the
 * output size: at about 1.3 ms a call (a 4 MiB zeroed buffer each), 10,000
 * would take a minute a round.
 */
const DEFAULT_SIZE_VALUES = 1_000;

/** {@link each} with large inputs repeated. */
function eachInput(name: string, inputs: readonly Uint8Array[], fn: (input: Uint8Array) => unknown, baseline = false) {
  return each(name, inputs, fn, baseline, inputs.length > 1 ? 1 : LARGE_REPEAT);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

async function runSuite(bench: Bench): Promise<void> {
  const ours = new Lz4Compression();
  const inputs = compressionInputs();

  const ratios: Figure[] = [];
  for (const [label, data] of inputs) {
    const bytes = totalBytes(data);
    const rounds = data.length > 1 ? 5 : 7;
    const ops = data.length > 1 ? bytes : bytes * LARGE_REPEAT;
    await bench.case({
      name: `lz4 compress ${label} (ops = bytes)`,
      ops,
      rounds,
      contenders: [
        eachInput('@sochdb/lz4', data, (input) => ours.compress(input)),
        eachInput('raw lz4js', data, (input) => lz4js.compress(input), true),
        eachInput('lz4-napi (native liblz4 frame)', data, (input) =>
          compressFrameSync(Buffer.from(input.buffer, input.byteOffset, input.length)),
        ),
        eachInput('node:zlib gzip 1', data, (input) => gzipSync(input, { level: 1 })),
        eachInput('node:zlib gzip 6', data, (input) => gzipSync(input, { level: 6 })),
      ],
    });

    // lz4js's frames carry no content size, so by default its decompress allocates the frame's
    // block maximum (4 MiB, zeroed) per call. On small values it is told the output size, as its
    // API allows, so the case compares per-call work; the default is measured on its own below.
    const small = data.length > 1;
    const oursFrames = data.map((input) => ours.compress(input));
    const lz4jsFrames = data.map((input) => lz4js.compress(input));
    const napiFrames = data.map((input) =>
      compressFrameSync(Buffer.from(input.buffer, input.byteOffset, input.length)),
    );
    const gzip1Frames = data.map((input) => gzipSync(input, { level: 1 }));
    const gzip6Frames = data.map((input) => gzipSync(input, { level: 6 }));
    // Every contender must give back the input, or its figure means nothing.
    data.forEach((input, i) => {
      const checks = [
        ours.decompress(oursFrames[i] as Uint8Array),
        ours.decompress(lz4jsFrames[i] as Uint8Array),
        lz4js.decompress(lz4jsFrames[i] as Uint8Array, small ? input.length : undefined),
        decompressFrameSync(napiFrames[i] as Buffer),
      ];
      if (!checks.every((output) => same(output, input))) throw new Error(`lz4 bench: a round trip failed on ${label}`);
    });
    await bench.case({
      name: `lz4 decompress ${label} (ops = output bytes)`,
      ops,
      rounds,
      contenders: [
        eachInput('@sochdb/lz4 (checks on)', oursFrames, (frame) => ours.decompress(frame)),
        eachInput('@sochdb/lz4 on lz4js frames (no checksum to verify)', lz4jsFrames, (frame) =>
          ours.decompress(frame),
        ),
        small
          ? eachInput(
              'raw lz4js, told the output size',
              lz4jsFrames,
              (frame) => lz4js.decompress(frame, VALUE_BYTES),
              true,
            )
          : eachInput('raw lz4js', lz4jsFrames, (frame) => lz4js.decompress(frame), true),
        eachInput('lz4-napi (native liblz4 frame)', napiFrames, (frame) => decompressFrameSync(frame as Buffer)),
        eachInput('node:zlib gunzip (of gzip 6)', gzip6Frames, (frame) => gunzipSync(frame)),
      ],
    });
    if (small) {
      const few = DEFAULT_SIZE_VALUES;
      await bench.case({
        name: `lz4 decompress ${few.toLocaleString('en')} values of 1 KiB, lz4js not told the size (4 MiB allocated per call; ops = output bytes)`,
        ops: totalBytes(data.slice(0, few)),
        rounds: 3,
        contenders: [
          eachInput('@sochdb/lz4 (checks on)', oursFrames.slice(0, few), (frame) => ours.decompress(frame)),
          eachInput('raw lz4js', lz4jsFrames.slice(0, few), (frame) => lz4js.decompress(frame), true),
        ],
      });
    }

    const ratio = (frames: readonly Uint8Array[]) => bytes / totalBytes(frames);
    ratios.push(
      { name: `${label}: @sochdb/lz4`, value: ratio(oursFrames), unit: 'x', note: 'content size + checksum' },
      { name: `${label}: raw lz4js`, value: ratio(lz4jsFrames), unit: 'x', note: 'no checksum' },
      { name: `${label}: lz4-napi`, value: ratio(napiFrames), unit: 'x' },
      { name: `${label}: gzip 1`, value: ratio(gzip1Frames), unit: 'x' },
      { name: `${label}: gzip 6`, value: ratio(gzip6Frames), unit: 'x' },
    );
  }
  bench.figures('lz4 compression ratios (input bytes / compressed bytes)', ratios);
}

const suite: Suite = {
  name: 'compression',
  description: '@sochdb/lz4 vs raw lz4js, lz4-napi (native) and node:zlib gzip: MB/s both ways and ratio',
  run: runSuite,
};
export default suite;
