import { Buffer } from 'node:buffer';
import { type CompressionExtension, extensionProblem, isKernelError } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, compressibleBytes, concat, hex, pseudoRandomBytes, show, utf8 } from './bytes.js';
import { callLoosely, describeCall, expectArgumentError, throwOf } from './call.js';
import { checkFactory, type Factory, freshInstance } from './lifecycle.js';
import { type ReferenceFrame, SHIPPED_ALGORITHMS, shippedReferenceFrames } from './reference-frames.js';

/** Options of {@link compressionConformance}. */
export interface CompressionConformanceOptions {
  /**
   * Required: the output bound (`maxOutputBytes`) the factory gives every
   * instance it makes. The suite checks that a frame decoding to exactly
   * this many bytes is accepted and one byte more is refused as a
   * decompression bomb. Keep it small (1 MiB is plenty) so the test stays
   * fast; up to 256 MiB (the contract's default) is accepted. Without it the
   * bomb tests fail, saying so: a codec with no output bound is a wrong codec.
   */
  readonly maxOutputBytes?: number;
  /**
   * Frames made by the algorithm's reference command-line tool, with what
   * that tool decodes each to; `decompress` must give the same bytes. The kit
   * ships its own for `lz4` and `zstd` (used whenever `algorithm` is one of
   * those, on top of these); any other algorithm must pass some, or the
   * reference-frame test fails.
   */
  readonly referenceFrames?: readonly ReferenceFrame[];
  /**
   * Levels for `setLevel`, when the extension has it. `valid`: levels that
   * must be accepted and still round-trip (default `[1]`). `invalid`: levels
   * that must be refused with a `RangeError` naming `level` (default
   * `NaN`, `±Infinity`, `1.5`, `1e9`, `-1e9`).
   */
  readonly levels?: {
    readonly valid?: readonly number[];
    readonly invalid?: readonly number[];
  };
  /** More inputs to round-trip, on top of the suite's own (empty, 1 byte, text, 1 MiB compressible and random). */
  readonly samples?: readonly Uint8Array[];
}

const MIB = 1 << 20;
const DEFAULT_INVALID_LEVELS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, 1e9, -1e9];

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when `a` and `b` share at least one byte of memory (not merely one pooled `ArrayBuffer`). */
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength
  );
}

/** Most `maxOutputBytes` the bomb tests will allocate buffers for: the contract's default bound. */
const MAX_TESTED_BOUND = 256 * MIB;
/** Above this bound, bomb frames are built from concatenated frames of this many zero bytes. */
const CHUNK = 16 * MIB;

/** Describes how `decompress` answered, for failure messages. */
function outcome(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const kind = (error as { kind?: unknown }).kind;
    return `${error.name}${kind === undefined ? '' : ` (kind ${String(kind)}, code ${String(code)})`}: ${error.message}`;
  }
  return show(error);
}

/** Decompresses `frame`, which is not valid, and checks it throws a `corruption` KernelError. */
function expectCorruption(codec: CompressionExtension, frame: Uint8Array, what: string, hint = ''): void {
  let result: Uint8Array;
  try {
    result = codec.decompress(frame);
  } catch (error) {
    expect(
      isKernelError(error) && error.kind === 'corruption',
      `decompress of ${what} must throw a KernelError of kind "corruption"; it threw ${outcome(error)}`,
    ).toBe(true);
    return;
  }
  expect.fail(
    `decompress of ${what} returned ${result.length} bytes; it must throw a KernelError of kind "corruption"${hint}`,
  );
}

/** What to check when a codec decoded past the suite's `maxOutputBytes`: most often the factory did not give it that bound. */
function bombHint(maxOutputBytes: number): string {
  return (
    ` (over maxOutputBytes = ${maxOutputBytes}). Does your factory pass the same maxOutputBytes to the codec as the ` +
    "suite's options? e.g. compressionConformance(name, () => new MyCodec({ maxOutputBytes: 1 << 20 }), { maxOutputBytes: 1 << 20 })"
  );
}

/**
 * The conformance suite for a {@link CompressionExtension}: registers a
 * vitest `describe` block whose tests check every rule of the
 * `@sochdb/core` 1.x compression contract on a fresh instance each.
 *
 * Covered: round trips of empty, 1-byte, small, 1 MiB compressible and
 * random inputs, and of views into larger buffers; outputs never aliasing
 * inputs or each other; concatenated frames decoding to the concatenation;
 * `decompress` of empty, garbage, truncated, one-byte-changed and
 * trailing-garbage input throwing a `KernelError` of kind `corruption`
 * (never another exception, never wrong bytes); inputs that are not
 * `Uint8Array`s refused with a `TypeError` or `RangeError` naming `input`; `setLevel` when
 * present; and, given `options.maxOutputBytes`, decompression bombs refused.
 *
 * @param name - shown in the `describe` title, e.g. the package name
 * @param factory - makes a fresh, uninitialised instance (with its default level, and `maxOutputBytes` if you pass that option); called once per test. The suite calls `init()` and `shutdown()` itself.
 * @param options - see {@link CompressionConformanceOptions}
 */
export function compressionConformance(
  name: string,
  factory: () => CompressionExtension | Promise<CompressionExtension>,
  options: CompressionConformanceOptions = {},
): void {
  const maxOutputBytes = options.maxOutputBytes;
  if (
    maxOutputBytes !== undefined &&
    (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 1 || maxOutputBytes > MAX_TESTED_BOUND)
  ) {
    throw new RangeError(
      `compressionConformance: options.maxOutputBytes must be an integer from 1 to ${MAX_TESTED_BOUND} (256 MiB); got ${String(maxOutputBytes)}. ` +
        'Make the factory build instances with a small bound (1 MiB is plenty) and pass the same number here.',
    );
  }
  options.referenceFrames?.forEach((entry, i) => {
    if (
      typeof entry !== 'object' ||
      entry === null ||
      !(entry.frame instanceof Uint8Array) ||
      !(entry.content instanceof Uint8Array)
    ) {
      throw new TypeError(
        `compressionConformance: options.referenceFrames[${i}] must be { name, frame: Uint8Array, content: Uint8Array }`,
      );
    }
  });
  options.samples?.forEach((sample, i) => {
    if (!(sample instanceof Uint8Array)) {
      throw new TypeError(`compressionConformance: options.samples[${i}] must be a Uint8Array`);
    }
  });
  const validLevels = options.levels?.valid ?? [1];
  const invalidLevels = options.levels?.invalid ?? DEFAULT_INVALID_LEVELS;

  checkFactory('compressionConformance', 'compression', factory);
  describe(`${name} — compression conformance (@sochdb/core 1.x)`, () => {
    const fixture = freshInstance<CompressionExtension>(factory as Factory<CompressionExtension>, 'compression');

    /** The bound the bomb tests need; fails the test, saying so, when the suite was not given it. */
    function requiredBound(): number {
      if (maxOutputBytes === undefined) {
        expect.fail(
          'options.maxOutputBytes is required: give every instance an output bound and pass the same number, ' +
            'e.g. compressionConformance(name, () => new MyCodec({ maxOutputBytes: 1 << 20 }), { maxOutputBytes: 1 << 20 }). ' +
            'A codec without an output bound decodes decompression bombs.',
        );
      }
      return maxOutputBytes;
    }

    /**
     * Frames that decode to `length` zero bytes: one frame up to 16 MiB,
     * otherwise concatenated frames of 16 MiB each (so a 256 MiB bound needs
     * no 256 MiB input).
     */
    function zeroFrames(length: number): Uint8Array {
      const codec = fixture.ext;
      if (length <= CHUNK) return codec.compress(new Uint8Array(length));
      const chunk = codec.compress(new Uint8Array(CHUNK));
      const parts: Uint8Array[] = [];
      let left = length;
      for (; left >= CHUNK; left -= CHUNK) parts.push(chunk);
      if (left > 0) parts.push(codec.compress(new Uint8Array(left)));
      return concat(...parts);
    }

    /** Whether `output` is all zero bytes, compared a 1 MiB zero block at a time (memcmp, not a JS loop). */
    function allZero(output: Uint8Array): boolean {
      const zeros = Buffer.alloc(MIB);
      for (let at = 0; at < output.length; at += MIB) {
        const part = Buffer.from(output.buffer, output.byteOffset + at, Math.min(MIB, output.length - at));
        if (!part.equals(zeros.subarray(0, part.length))) return false;
      }
      return true;
    }

    function roundTrip(input: Uint8Array, what: string): Uint8Array {
      const codec = fixture.ext;
      const frame = codec.compress(input);
      expect(frame, `compress(${what}) must return a Uint8Array`).toBeInstanceOf(Uint8Array);
      const output = codec.decompress(frame);
      expect(output, `decompress(compress(${what})) must return a Uint8Array`).toBeInstanceOf(Uint8Array);
      expect(output.length, `decompress(compress(${what})) length`).toBe(input.length);
      expect(same(output, input), `decompress(compress(${what})) differs from the input`).toBe(true);
      return frame;
    }

    describe('shape', () => {
      it('is a compression extension: valid info declaring "compression", an algorithm and every required method', () => {
        expect(extensionProblem(fixture.ext, 'compression')).toBeUndefined();
      });
    });

    describe('round trip', () => {
      it('round-trips an empty input', () => {
        roundTrip(new Uint8Array(0), 'empty input');
      });

      it('round-trips a single byte', () => {
        roundTrip(bytes(0x00), 'byte 0x00');
        roundTrip(bytes(0xff), 'byte 0xff');
      });

      it('round-trips small inputs', () => {
        roundTrip(utf8('hello, world'), '"hello, world"');
        roundTrip(
          Uint8Array.from({ length: 256 }, (_, i) => i),
          'bytes 0..255',
        );
        roundTrip(compressibleBytes(1000), '1000 bytes of text');
      });

      it('round-trips 1 MiB of compressible input and makes it smaller', () => {
        const input = compressibleBytes(MIB);
        const frame = roundTrip(input, '1 MiB of text');
        expect(frame.length, 'compressed size of 1 MiB of repetitive text').toBeLessThan(input.length / 2);
        const zeros = new Uint8Array(MIB);
        expect(roundTrip(zeros, '1 MiB of zeros').length).toBeLessThan(MIB / 50);
      });

      it('round-trips 1 MiB of random input', () => {
        roundTrip(pseudoRandomBytes(MIB, 1), '1 MiB of random bytes');
      });

      it('round-trips the given sample inputs', (context) => {
        if (options.samples === undefined || options.samples.length === 0) context.skip('no options.samples given');
        options.referenceFrames?.forEach((entry, i) => {
          if (
            typeof entry !== 'object' ||
            entry === null ||
            !(entry.frame instanceof Uint8Array) ||
            !(entry.content instanceof Uint8Array)
          ) {
            throw new TypeError(
              `compressionConformance: options.referenceFrames[${i}] must be { name, frame: Uint8Array, content: Uint8Array }`,
            );
          }
        });
        options.samples?.forEach((sample, i) => {
          roundTrip(sample, `options.samples[${i}]`);
        });
      });

      it('compress and decompress read only the bytes of a view, not the rest of its buffer', () => {
        const codec = fixture.ext;
        const input = compressibleBytes(5000);
        const backing = concat(pseudoRandomBytes(37, 2), input, pseudoRandomBytes(41, 3));
        const view = backing.subarray(37, 37 + input.length);
        const frame = codec.compress(view);
        expect(same(codec.decompress(frame), input), 'compress of a view must compress only the view').toBe(true);
        const frameBacking = concat(pseudoRandomBytes(13, 4), frame, pseudoRandomBytes(17, 5));
        const frameView = frameBacking.subarray(13, 13 + frame.length);
        expect(same(codec.decompress(frameView), input), 'decompress of a view must read only the view').toBe(true);
      });

      it('concatenated frames decode to the concatenation of their contents', () => {
        const codec = fixture.ext;
        const a = utf8('first frame; ');
        const b = compressibleBytes(70000);
        const c = pseudoRandomBytes(300, 6);
        const joined = concat(
          codec.compress(a),
          codec.compress(new Uint8Array(0)),
          codec.compress(b),
          codec.compress(c),
        );
        const output = codec.decompress(joined);
        expect(output.length).toBe(a.length + b.length + c.length);
        expect(same(output, concat(a, b, c)), 'decompress of concatenated frames').toBe(true);
      });

      it('algorithm is a non-empty string that does not change', () => {
        const codec = fixture.ext;
        const algorithm = codec.algorithm;
        expect(typeof algorithm === 'string' && algorithm.length > 0).toBe(true);
        roundTrip(utf8('x'), '"x"');
        expect(codec.algorithm).toBe(algorithm);
      });
    });

    describe('no aliasing', () => {
      it('mutating the input after compress does not change the frame', () => {
        const codec = fixture.ext;
        const input = compressibleBytes(4000);
        const original = input.slice();
        const frame = codec.compress(input);
        input.fill(0);
        expect(same(codec.decompress(frame), original)).toBe(true);
      });

      it('compress and decompress return new buffers, not views of their input', () => {
        const codec = fixture.ext;
        for (const input of [new Uint8Array(0), bytes(1), pseudoRandomBytes(5000, 7)]) {
          const frame = codec.compress(input);
          expect(overlaps(frame, input), 'compress returned a view of its input').toBe(false);
          const frameCopy = frame.slice();
          const output = codec.decompress(frame);
          expect(overlaps(output, frame), 'decompress returned a view of its input').toBe(false);
          output.fill(0x55);
          expect(hex(frame), 'writing to the output of decompress changed its input').toBe(hex(frameCopy));
        }
      });

      it('buffers returned by earlier calls are not overwritten by later calls', () => {
        const codec = fixture.ext;
        const a = compressibleBytes(3000);
        const b = pseudoRandomBytes(3000, 8);
        const frameA = codec.compress(a);
        const frameACopy = frameA.slice();
        const frameB = codec.compress(b);
        expect(hex(frameA), 'compress(b) changed the frame compress(a) returned').toBe(hex(frameACopy));
        const outA = codec.decompress(frameA);
        const outB = codec.decompress(frameB);
        expect(same(outA, a), 'decompress(frameB) changed the output decompress(frameA) returned').toBe(true);
        expect(same(outB, b)).toBe(true);
        outA.fill(0);
        expect(same(codec.decompress(frameA), a), 'writing to a returned buffer changed a later result').toBe(true);
      });
    });

    describe('corrupt input', () => {
      it('decompress of an empty input throws a corruption error', () => {
        expectCorruption(fixture.ext, new Uint8Array(0), 'an empty input');
      });

      it('decompress of bytes that are not a frame throws a corruption error', () => {
        const codec = fixture.ext;
        const garbage: Array<[string, Uint8Array]> = [
          ['one zero byte', bytes(0)],
          ['16 zero bytes', new Uint8Array(16)],
          ['16 0xff bytes', new Uint8Array(16).fill(0xff)],
          ['plain text', utf8('this is not a compressed frame, just some text')],
        ];
        for (let seed = 1; seed <= 20; seed++) {
          garbage.push([`random bytes (seed ${seed})`, pseudoRandomBytes(16 + seed * 13, seed)]);
        }
        for (const [what, input] of garbage) expectCorruption(codec, input, what);
      });

      it('decompress of a valid frame header followed by garbage throws a corruption error', () => {
        const codec = fixture.ext;
        const frame = codec.compress(compressibleBytes(2000));
        for (const headerLength of [4, 6, 10]) {
          for (let seed = 1; seed <= 10; seed++) {
            const input = concat(frame.subarray(0, headerLength), pseudoRandomBytes(200, seed * 101));
            expectCorruption(
              codec,
              input,
              `the first ${headerLength} bytes of a frame then random bytes (seed ${seed})`,
            );
          }
        }
      });

      it('decompress of a truncated frame throws a corruption error, at every length', () => {
        const codec = fixture.ext;
        for (const input of [compressibleBytes(600), pseudoRandomBytes(100, 9), new Uint8Array(0)]) {
          const frame = codec.compress(input);
          for (let length = 0; length < frame.length; length++) {
            expectCorruption(codec, frame.slice(0, length), `a ${frame.length}-byte frame cut to ${length} bytes`);
          }
        }
      });

      it('decompress of a frame with one byte changed throws a corruption error or returns the original bytes', () => {
        const codec = fixture.ext;
        for (const input of [compressibleBytes(600), pseudoRandomBytes(64, 10)]) {
          const frame = codec.compress(input);
          for (let position = 0; position < frame.length; position++) {
            for (const mask of [0x01, 0x80, 0xff]) {
              const damaged = frame.slice();
              damaged[position] = (damaged[position] as number) ^ mask;
              const what = `a ${frame.length}-byte frame with byte ${position} xor 0x${mask.toString(16)}`;
              let output: Uint8Array;
              try {
                output = codec.decompress(damaged);
              } catch (error) {
                expect(
                  isKernelError(error) && error.kind === 'corruption',
                  `decompress of ${what} must throw a KernelError of kind "corruption"; it threw ${outcome(error)}`,
                ).toBe(true);
                continue;
              }
              expect(
                same(output, input),
                `decompress of ${what} returned wrong bytes silently; a damaged frame must throw a corruption error (use the frame's checksums)`,
              ).toBe(true);
            }
          }
        }
      });

      it('decompress of a frame followed by trailing garbage throws a corruption error', () => {
        const codec = fixture.ext;
        const frame = codec.compress(utf8('some content'));
        expectCorruption(codec, concat(frame, utf8('trailing garbage')), 'a frame followed by "trailing garbage"');
        expectCorruption(codec, concat(frame, bytes(0x00)), 'a frame followed by one zero byte');
        expectCorruption(codec, concat(frame, bytes(0xff, 0xff, 0xff)), 'a frame followed by three 0xff bytes');
      });

      it('compress and decompress throw naming input for input that is not a Uint8Array', () => {
        const codec = fixture.ext;
        for (const bad of ['text', [1, 2, 3], new ArrayBuffer(4), null, undefined, 5]) {
          for (const method of ['compress', 'decompress']) {
            const what = describeCall(method, [bad]);
            expectArgumentError(
              throwOf(() => callLoosely(codec, method, [bad]), what),
              ['input'],
              what,
            );
          }
        }
        roundTrip(utf8('still works'), '"still works"');
      });
    });

    describe('setLevel', () => {
      it('setLevel, when present, accepts each valid level and output still round-trips', (context) => {
        const codec = fixture.ext;
        if (typeof codec.setLevel !== 'function') context.skip('this codec has no setLevel()');
        for (const level of validLevels) {
          codec.setLevel?.(level);
          roundTrip(compressibleBytes(20000), `20000 bytes of text at level ${level}`);
          roundTrip(new Uint8Array(0), `empty input at level ${level}`);
        }
      });

      it('setLevel, when present, refuses a level it does not have with a RangeError naming level', (context) => {
        const codec = fixture.ext;
        if (typeof codec.setLevel !== 'function') context.skip('this codec has no setLevel()');
        for (const level of invalidLevels) {
          const what = describeCall('setLevel', [level]);
          expectArgumentError(
            throwOf(() => codec.setLevel?.(level), what),
            ['level'],
            what,
            RangeError,
          );
        }
        const what = describeCall('setLevel', ['3']);
        expectArgumentError(
          throwOf(() => callLoosely(codec, 'setLevel', ['3']), what),
          ['level'],
          what,
        );
        roundTrip(compressibleBytes(5000), '5000 bytes of text after refused levels');
      });
    });

    describe('reference frames', () => {
      it("decompress decodes frames made by the algorithm's reference tool to what that tool decodes them to", () => {
        const codec = fixture.ext;
        const algorithm = codec.algorithm;
        const frames = [...(options.referenceFrames ?? []), ...shippedReferenceFrames(algorithm)];
        expect(
          frames.length,
          `no reference frames for algorithm "${algorithm}": the kit ships frames for ${SHIPPED_ALGORITHMS.join(' and ')}; ` +
            "for another algorithm pass options.referenceFrames made by that algorithm's reference command-line tool",
        ).toBeGreaterThan(0);
        for (const { name: frameName, frame, content } of frames) {
          const what = `the reference frame ${frameName} (${frame.length} bytes, decoding to ${content.length})`;
          if (maxOutputBytes !== undefined && content.length > maxOutputBytes) {
            expectCorruption(codec, frame, `${what}, over maxOutputBytes`);
            continue;
          }
          let output: Uint8Array;
          try {
            output = codec.decompress(frame.slice());
          } catch (error) {
            expect.fail(`decompress of ${what} threw ${outcome(error)}; the ${algorithm} reference tool decodes it`);
          }
          expect(output.length, `decompress of ${what}: length`).toBe(content.length);
          expect(same(output, content), `decompress of ${what} differs from what the reference tool decodes`).toBe(
            true,
          );
        }
      });
    });

    describe('decompression bombs', () => {
      it('decompress accepts a frame that decodes to exactly maxOutputBytes', () => {
        const limit = requiredBound();
        const output = fixture.ext.decompress(zeroFrames(limit));
        expect(output.length, `decompress of frames holding exactly maxOutputBytes = ${limit} zero bytes`).toBe(limit);
        expect(allZero(output), 'decompress of zero frames returned non-zero bytes').toBe(true);
      });

      it('decompress refuses a frame that would decode to more than maxOutputBytes', () => {
        const limit = requiredBound();
        const codec = fixture.ext;
        const hint = bombHint(limit);
        expectCorruption(codec, zeroFrames(limit + 1), `frames of ${limit + 1} zero bytes`, hint);
        if (limit <= 16 * MIB) {
          expectCorruption(codec, zeroFrames(limit * 4), `frames of ${limit * 4} zero bytes`, hint);
        }
      });

      it('the output bound covers the total of concatenated frames', () => {
        const limit = requiredBound();
        const half = Math.floor(limit / 2) + 1;
        const frame = zeroFrames(half);
        expectCorruption(fixture.ext, concat(frame, frame), `two runs of ${half} zero bytes each`, bombHint(limit));
      });
    });
  });
}
