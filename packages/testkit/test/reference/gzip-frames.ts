import { spawnSync } from 'node:child_process';
import { compressibleBytes, concat, pseudoRandomBytes } from '../../src/bytes.js';
import type { ReferenceFrame } from '../../src/index.js';

/** `gzip -c -n <flags>` of `input`: a member made by the reference tool. */
function gzipCli(input: Uint8Array, flags: readonly string[]): Uint8Array {
  const run = spawnSync('gzip', ['-c', '-n', ...flags], { input });
  if (run.status !== 0) throw new Error(`gzip failed: ${run.stderr?.toString()}`);
  return new Uint8Array(run.stdout);
}

/**
 * Reference frames for the gzip codec, made by the `gzip` CLI when the tests
 * load (gzip is on every machine the kit's tests run on): what a plugin for an
 * algorithm the kit has no frames for passes as `referenceFrames`.
 */
export function gzipReferenceFrames(): ReferenceFrame[] {
  const text = compressibleBytes(6000);
  const random = pseudoRandomBytes(1500, 77);
  const empty = new Uint8Array(0);
  const members = [gzipCli(text, ['-9']), gzipCli(random, ['-1']), gzipCli(empty, [])];
  return [
    { name: 'gzip -9 text', frame: members[0] as Uint8Array, content: text },
    { name: 'gzip -1 random', frame: members[1] as Uint8Array, content: random },
    { name: 'gzip empty', frame: members[2] as Uint8Array, content: empty },
    { name: 'three gzip members', frame: concat(...members), content: concat(text, random, empty) },
  ];
}
