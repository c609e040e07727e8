import { readFileSync } from 'node:fs';

/** A frame made by an algorithm's reference command-line tool, and the bytes that tool decodes it to. */
export interface ReferenceFrame {
  /** Names the frame in failure messages, e.g. `"zstd/text-no-content-size.zst"`. */
  readonly name: string;
  /** The frame as the tool wrote it. */
  readonly frame: Uint8Array;
  /** What the tool decodes it to. */
  readonly content: Uint8Array;
}

interface Manifest {
  readonly 'zeros.bin': number;
  readonly frames: ReadonlyArray<{ algorithm: string; frame: string; content: string[] }>;
}

/** The package's `frames/` folder: next to `dist/` and `src/`, shipped in the package. */
const FRAMES = new URL('../frames/', import.meta.url);

/** Algorithms the kit ships reference frames for. */
export const SHIPPED_ALGORITHMS: readonly string[] = ['lz4', 'zstd'];

/**
 * The reference frames the kit ships for `algorithm` (made by the `lz4` and
 * `zstd` CLIs with `scripts/make-reference-frames.sh`), or `[]` for another
 * algorithm.
 */
export function shippedReferenceFrames(algorithm: string): ReferenceFrame[] {
  if (!SHIPPED_ALGORITHMS.includes(algorithm)) return [];
  const manifest = JSON.parse(readFileSync(new URL('manifest.json', FRAMES), 'utf8')) as Manifest;
  const input = (name: string): Uint8Array =>
    name === 'zeros.bin'
      ? new Uint8Array(manifest['zeros.bin'])
      : new Uint8Array(readFileSync(new URL(`inputs/${name}`, FRAMES)));
  return manifest.frames
    .filter((entry) => entry.algorithm === algorithm)
    .map((entry) => {
      const parts = entry.content.map(input);
      const content = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
      let offset = 0;
      for (const part of parts) {
        content.set(part, offset);
        offset += part.length;
      }
      return { name: entry.frame, frame: new Uint8Array(readFileSync(new URL(entry.frame, FRAMES))), content };
    });
}
