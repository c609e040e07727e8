import { describe, expect, it, vi } from 'vitest';
import { createBench, type Figure, type Result } from '../src/harness.js';

describe('the bench harness', () => {
  it('starts each round after a turn of the event loop, so what an earlier round left pending has run', async () => {
    // OpenTelemetry's span processor hands each finished span on in a callback of a later turn;
    // rounds that only awaited promises never let it run, and every span of every round stayed.
    let scheduled = 0;
    let fired = 0;
    const seen: number[] = [];
    const results: Result[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await createBench('test', results, [] as Array<Figure & { suite: string; title: string }>).case({
        name: 'pending timers',
        ops: 1,
        rounds: 3,
        contenders: [
          {
            name: 'leaves a timer behind',
            baseline: true,
            setup: () => {
              seen.push(scheduled - fired);
            },
            run: () => {},
            teardown: () => {
              scheduled++;
              setTimeout(() => fired++, 0);
            },
          },
        ],
      });
    } finally {
      log.mockRestore();
    }
    // The warm-up round and three timed rounds: every round found the previous round's timer fired.
    expect(seen).toEqual([0, 0, 0, 0]);
    expect(results.map((r) => [r.contender, r.rounds])).toEqual([['leaves a timer behind', 3]]);
  });
});
