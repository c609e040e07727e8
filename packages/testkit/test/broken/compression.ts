import { constants } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { ErrorCode, KernelError } from '@sochdb/core';
import { GzipCodec } from '../reference/gzip-codec.js';
import type { BrokenVariant } from './variant.js';

/** The bound every compression variant is made with (and the suite is told). */
export const MAX_OUTPUT_BYTES = 1 << 20;

const GARBAGE = 'decompress of bytes that are not a frame throws a corruption error';
const TRUNCATED = 'decompress of a truncated frame throws a corruption error, at every length';
const FLIPPED = 'decompress of a frame with one byte changed throws a corruption error or returns the original bytes';
const TRAILING = 'decompress of a frame followed by trailing garbage throws a corruption error';
const REFERENCE_FRAMES =
  "decompress decodes frames made by the algorithm's reference tool to what that tool decodes them to";
const BOMB = 'decompress refuses a frame that would decode to more than maxOutputBytes';

const options = { maxOutputBytes: MAX_OUTPUT_BYTES };

/** Broken gzip codecs, one rule each, keyed by a short id. */
export const brokenCodecs: Record<string, BrokenVariant<GzipCodec>> = {
  'returns-empty-on-error': {
    broken: 'decompress swallows errors and returns an empty array',
    make: () =>
      new (class extends GzipCodec {
        override decompress(input: Uint8Array): Uint8Array {
          try {
            return super.decompress(input);
          } catch {
            return new Uint8Array(0);
          }
        }
      })(options),
    caughtBy: ['decompress of an empty input throws a corruption error', GARBAGE, TRUNCATED, FLIPPED, TRAILING, BOMB],
  },
  'raw-zlib-errors': {
    broken: 'lets node:zlib errors through instead of corruption KernelErrors',
    make: () =>
      new (class extends GzipCodec {
        override decompress(input: Uint8Array): Uint8Array {
          return new Uint8Array(gunzipSync(input, { maxOutputLength: MAX_OUTPUT_BYTES }));
        }
      })(options),
    caughtBy: [GARBAGE, TRUNCATED, FLIPPED, BOMB],
  },
  'wrong-error-kind': {
    broken: 'throws KernelErrors of kind "io" for corrupt input',
    make: () =>
      new (class extends GzipCodec {
        override decompress(input: Uint8Array): Uint8Array {
          try {
            return super.decompress(input);
          } catch (error) {
            throw new KernelError('io', ErrorCode.CORRUPT, 'bad frame', { cause: error });
          }
        }
      })(options),
    caughtBy: [GARBAGE, TRUNCATED, 'decompress of an empty input throws a corruption error'],
  },
  'ignores-checksum': {
    broken: 'skips the CRC-32 check, so damaged data comes back as wrong bytes',
    make: () =>
      new (class extends GzipCodec {
        protected override verify(): void {}
      })(options),
    caughtBy: [FLIPPED],
  },
  'allows-trailing-garbage': {
    broken: 'decodes the first member and ignores whatever follows',
    make: () =>
      new (class extends GzipCodec {
        protected override member(input: Uint8Array, offset: number, budget: number) {
          const result = super.member(input, offset, budget);
          const rest = input.subarray(result.next);
          const isMember = rest.length === 0 || (rest[0] === 0x1f && rest[1] === 0x8b);
          return isMember ? result : { output: result.output, next: input.length };
        }
      })(options),
    caughtBy: [TRAILING],
  },
  'first-frame-only': {
    broken: 'decodes only the first of concatenated frames',
    make: () =>
      new (class extends GzipCodec {
        protected override member(input: Uint8Array, offset: number, budget: number) {
          const result = super.member(input, offset, budget);
          return { output: result.output, next: input.length };
        }
      })(options),
    caughtBy: ['concatenated frames decode to the concatenation of their contents', TRAILING],
  },
  'no-output-bound': {
    broken: 'ignores maxOutputBytes (a decompression bomb gets through)',
    make: () =>
      new (class extends GzipCodec {
        protected override member(input: Uint8Array, offset: number, _budget: number) {
          return super.member(input, offset, constants.MAX_LENGTH);
        }
      })(options),
    caughtBy: [BOMB, 'the output bound covers the total of concatenated frames'],
  },
  'bound-per-frame': {
    broken: 'applies maxOutputBytes to each frame, not to the whole output',
    make: () =>
      new (class extends GzipCodec {
        protected override member(input: Uint8Array, offset: number, _budget: number) {
          return super.member(input, offset, this.maxOutputBytes);
        }
      })(options),
    caughtBy: ['the output bound covers the total of concatenated frames'],
  },
  'bound-off-by-one': {
    broken: 'refuses output of exactly maxOutputBytes',
    make: () =>
      new (class extends GzipCodec {
        protected override member(input: Uint8Array, offset: number, budget: number) {
          return super.member(input, offset, budget - 1);
        }
      })(options),
    caughtBy: ['decompress accepts a frame that decodes to exactly maxOutputBytes'],
  },
  'empty-is-empty': {
    broken: 'decompress of an empty input returns an empty array',
    make: () =>
      new (class extends GzipCodec {
        override decompress(input: Uint8Array): Uint8Array {
          return input instanceof Uint8Array && input.length === 0 ? new Uint8Array(0) : super.decompress(input);
        }
      })(options),
    caughtBy: ['decompress of an empty input throws a corruption error', TRUNCATED],
  },
  'reused-output-buffer': {
    broken: 'returns views of one scratch buffer that the next call overwrites',
    make: () =>
      new (class extends GzipCodec {
        private scratch = new Uint8Array(0);
        override decompress(input: Uint8Array): Uint8Array {
          const output = super.decompress(input);
          if (this.scratch.length < output.length) this.scratch = new Uint8Array(output.length);
          this.scratch.set(output);
          return this.scratch.subarray(0, output.length);
        }
      })(options),
    caughtBy: ['buffers returned by earlier calls are not overwritten by later calls'],
  },
  'compresses-whole-buffer': {
    broken: 'compresses the whole ArrayBuffer behind a view',
    make: () =>
      new (class extends GzipCodec {
        override compress(input: Uint8Array): Uint8Array {
          return input instanceof Uint8Array ? super.compress(new Uint8Array(input.buffer)) : super.compress(input);
        }
      })(options),
    caughtBy: ['compress and decompress read only the bytes of a view, not the rest of its buffer'],
  },
  'any-level': {
    broken: 'setLevel accepts any number, and a bad level breaks compress later',
    make: () =>
      new (class extends GzipCodec {
        override setLevel(level: number): void {
          this.level = level;
        }
      })(options),
    caughtBy: ['setLevel, when present, refuses a level it does not have with a RangeError naming level'],
  },
  'gzip-as-lz4': {
    broken: 'a gzip codec that calls itself lz4',
    make: () =>
      new (class extends GzipCodec {
        override readonly algorithm: string = 'lz4';
      })(options),
    caughtBy: [REFERENCE_FRAMES],
  },
};
