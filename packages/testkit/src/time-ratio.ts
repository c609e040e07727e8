/**
 * For scaling tests (the contract's linear-time rules): compares the cost of two ways of decoding
 * the same payload within one run, so the assertion is a ratio, not a time,
 * and holds at any machine speed.
 *
 * Cost is this process's CPU time (user + system, `process.cpuUsage`), not
 * wall time: on a shared machine a process waits for a core, and that wait
 * is not the decoder's. Each sample repeats a call until the reference takes
 * at least {@link SAMPLE_MS}; the two sides are sampled interleaved, and the
 * cheapest sample of each is kept.
 */

/** The least CPU time one sample of the reference should take. */
const SAMPLE_MS = 20;

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function sample(fn: () => unknown, calls: number): number {
  const start = cpuMs();
  for (let i = 0; i < calls; i++) fn();
  return (cpuMs() - start) / calls;
}

/**
 * The cheapest of `runs` interleaved samples of `layout` and `reference` (CPU ms per call), and their
 * ratio. Assert the ratio stays under a small bound while the input grows (a quadratic path's ratio
 * grows with it), never an absolute time:
 *
 * ```ts
 * const { ratio } = timeRatio(() => codec.decompress(manyFrames), () => codec.decompress(oneFrame));
 * expect(ratio).toBeLessThan(6);
 * ```
 */
export function timeRatio(
  layout: () => unknown,
  reference: () => unknown,
  runs = 7,
): { layout: number; reference: number; ratio: number } {
  // Untimed calls first, so both are compiled before the clock runs; they also size the samples.
  layout();
  const once = Math.max(sample(reference, 1), 0.05);
  const calls = Math.max(1, Math.ceil(SAMPLE_MS / once));
  let best = Number.POSITIVE_INFINITY;
  let bestReference = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    best = Math.min(best, sample(layout, calls));
    bestReference = Math.min(bestReference, sample(reference, calls));
  }
  return { layout: best, reference: bestReference, ratio: best / bestReference };
}
