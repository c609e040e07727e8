/**
 * The cost of PluginManager's observability fan-out, the kernel's hot path:
 * 0, 1 and 3 extensions, next to an empty function call and to calling the
 * extensions directly. Targets (issue 2): 0 extensions <= 2x an empty call;
 * 1 extension <= 1.5x the direct call.
 */
import { type Labels, type ObservabilityExtension, PluginManager } from '@sochdb/core';
import type { Contender, Suite } from '../harness.js';

// Long rounds: a round of a few milliseconds mostly measures V8 tiering the
// loop up again after the harness's gc(), not the call (2M calls read 7 ns
// for what 20M calls show to be 1 ns).
const CALLS = 20_000_000;
const LABELS: Labels = { table: 'users', op: 'put' };

/** A minimal extension that does real (tiny) work, so no call can be optimised away. */
class Tally implements ObservabilityExtension {
  readonly info = {
    name: '',
    version: '0.0.0',
    description: 'bench',
    author: 'bench',
    capabilities: ['observability'] as const,
  };
  total = 0;
  spans = 0;
  constructor(name: string) {
    this.info = { ...this.info, name };
  }
  counterInc(_name: string, value: number): void {
    this.total += value;
  }
  gaugeSet(_name: string, value: number): void {
    this.total = value;
  }
  histogramObserve(_name: string, value: number): void {
    this.total += value;
  }
  spanStart(): number {
    return ++this.spans;
  }
  spanEnd(): void {}
  spanEvent(): void {}
}

/**
 * The least a real metrics backend does per call: find the series by name and
 * add to it. Against it the manager's fixed overhead shows at its real size.
 */
class NamedCounters extends Tally {
  readonly series = new Map<string, number>();
  override counterInc(name: string, value: number): void {
    this.series.set(name, (this.series.get(name) ?? 0) + value);
  }
}

/**
 * One long-lived manager (or set of extensions) per configuration, as a kernel
 * has: made once and reused by every round. Fresh objects per round were
 * collected by the harness's gc(), and V8 then threw away the optimised code
 * that had them inlined as constants ("weak objects" deopts), so each round
 * measured tiering up again rather than the call.
 */
const managers = new Map<string, Promise<PluginManager>>();
function manager(count: number, Kind: typeof Tally = Tally): Promise<PluginManager> {
  const key = `${Kind.name}/${count}`;
  let made = managers.get(key);
  if (made === undefined) {
    made = (async () => {
      const pm = new PluginManager();
      for (let i = 0; i < count; i++) await pm.registerObservability(new Kind(`tally-${i}`));
      return pm;
    })();
    managers.set(key, made);
  }
  return made;
}

const tallies = new Map<string, Tally[]>();
function extensions(count: number, Kind: typeof Tally): Tally[] {
  const key = `${Kind.name}/${count}`;
  let made = tallies.get(key);
  if (made === undefined) {
    made = Array.from({ length: count }, (_, i) => new Kind(`tally-${i}`));
    tallies.set(key, made);
  }
  return made;
}

let sink = 0;
function empty(_name: string, value: number, _labels?: Labels): void {
  sink += value === -1 ? 1 : 0;
}

function viaManager(count: number, calls: number, Kind: typeof Tally = Tally): Contender<PluginManager> {
  return {
    name: `PluginManager, ${count} extension${count === 1 ? '' : 's'}`,
    setup: () => manager(count, Kind),
    run: (pm) => {
      for (let i = 0; i < calls; i++) pm.counterInc('txn.commit', 1, LABELS);
    },
  };
}

function direct(count: number, calls: number, baseline: boolean, Kind: typeof Tally = Tally): Contender<Tally[]> {
  return {
    name: `direct call, ${count} extension${count === 1 ? '' : 's'}`,
    baseline,
    setup: () => extensions(count, Kind),
    run: (tallies) => {
      for (let i = 0; i < calls; i++) {
        for (let j = 0; j < tallies.length; j++) (tallies[j] as Tally).counterInc('txn.commit', 1);
      }
    },
  };
}

const suite: Suite = {
  name: 'fan-out',
  description: 'PluginManager observability fan-out: cost per call with 0, 1 and 3 extensions',
  async run(bench) {
    await bench.case({
      name: `counterInc with no observability (${CALLS / 1e6}M calls)`,
      ops: CALLS,
      contenders: [
        {
          name: 'empty function call',
          baseline: true,
          run: () => {
            for (let i = 0; i < CALLS; i++) empty('txn.commit', 1, LABELS);
          },
        },
        viaManager(0, CALLS),
      ],
    });
    for (const [Kind, what] of [
      [Tally, 'adds to one number'],
      [NamedCounters, 'adds to a Map entry by name'],
    ] as const) {
      for (const count of [1, 3]) {
        await bench.case({
          name: `counterInc with ${count} extension${count === 1 ? '' : 's'} that ${what} (${CALLS / 1e6}M calls)`,
          ops: CALLS,
          contenders: [direct(count, CALLS, true, Kind), viaManager(count, CALLS, Kind)],
        });
      }
    }
    const SPANS = 2_000_000;
    await bench.case({
      name: `spanStart + spanEvent + spanEnd (${SPANS / 1e3}k spans)`,
      ops: SPANS,
      contenders: [
        {
          name: 'direct call, 1 extension',
          baseline: true,
          setup: () => extensions(1, Tally)[0] as Tally,
          run: (t: Tally) => {
            for (let i = 0; i < SPANS; i++) {
              const id = t.spanStart();
              t.spanEvent();
              t.spanEnd();
              sink += id;
            }
          },
        },
        ...[0, 1, 3].map(
          (count): Contender<PluginManager> => ({
            name: `PluginManager, ${count} extension${count === 1 ? '' : 's'}`,
            setup: () => manager(count),
            run: (pm) => {
              for (let i = 0; i < SPANS; i++) {
                const id = pm.spanStart('query');
                pm.spanEvent(id, 'page-miss');
                pm.spanEnd(id);
              }
            },
          }),
        ),
      ],
    });
    if (sink === Number.MIN_VALUE) console.log(sink);
  },
};

export default suite;
