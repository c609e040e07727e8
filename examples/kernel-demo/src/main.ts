/**
 * The kernel demo, core only: a PluginManager, two extensions of our own
 * (an in-process metrics tally and a run-length codec), fan-out, spans, and
 * an orderly shutdown. Run with `pnpm demo` from the repository root.
 */
import {
  type CompressionExtension,
  type Labels,
  type ObservabilityExtension,
  PluginManager,
} from '@sochdb/core';

/** Counts every metric call by name and remembers spans, to print at the end. */
class TallyObservability implements ObservabilityExtension {
  readonly info = {
    name: 'tally',
    version: '1.0.0',
    description: 'counts metric calls in memory',
    author: 'demo',
    capabilities: ['observability'] as const,
  };
  readonly counters = new Map<string, number>();
  readonly spans: string[] = [];
  #next = 1;
  readonly #open = new Map<number, { name: string; start: number }>();

  counterInc(name: string, value: number, labels?: Labels): void {
    const key = labels ? `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}}` : name;
    this.counters.set(key, (this.counters.get(key) ?? 0) + value);
  }
  gaugeSet(name: string, value: number): void {
    this.counters.set(name, value);
  }
  histogramObserve(name: string, value: number): void {
    this.counterInc(`${name}.sum`, value);
  }
  spanStart(name: string): number {
    const id = this.#next++;
    this.#open.set(id, { name, start: performance.now() });
    return id;
  }
  spanEnd(span: number): void {
    const open = this.#open.get(span);
    if (!open) return;
    this.#open.delete(span);
    this.spans.push(`${open.name} ${(performance.now() - open.start).toFixed(2)} ms`);
  }
  spanEvent(): void {}
  shutdown(): void {
    console.log(`  tally: shut down with ${this.counters.size} series`);
  }
}

/** Run-length encoding: a toy codec, enough to show the compression registry. */
const runLength: CompressionExtension = {
  info: { name: 'rle', version: '1.0.0', description: 'run-length encoding', author: 'demo', capabilities: ['compression'] },
  algorithm: 'rle',
  compress(input) {
    const out: number[] = [];
    for (let i = 0; i < input.length; ) {
      let run = 1;
      while (i + run < input.length && input[i + run] === input[i] && run < 255) run++;
      out.push(run, input[i] as number);
      i += run;
    }
    return Uint8Array.from(out);
  },
  decompress(input) {
    const out: number[] = [];
    for (let i = 0; i < input.length; i += 2) for (let n = 0; n < (input[i] as number); n++) out.push(input[i + 1] as number);
    return Uint8Array.from(out);
  },
  shutdown() {
    console.log('  rle: shut down');
  },
};

const plugins = new PluginManager();
const tally = new TallyObservability();
await plugins.register(tally);
await plugins.register(runLength);
console.log(`registered: ${plugins.listExtensions().map((info) => `${info.name} (${info.capabilities.join(', ')})`).join(', ')}`);

const codec = plugins.compression('rle');
if (!codec) throw new Error('rle codec missing');
let raw = 0;
let packed = 0;
const root = plugins.spanStart('load');
for (let row = 0; row < 10_000; row++) {
  const value = new TextEncoder().encode(`row-${row}:${'x'.repeat(row % 64)}`);
  const compressed = codec.compress(value);
  raw += value.length;
  packed += compressed.length;
  plugins.counterInc('rows.written', 1, { table: 'demo' });
  plugins.histogramObserve('value.bytes', value.length);
}
plugins.spanEnd(root);

console.log(`rows: 10000, raw ${raw} B, rle ${packed} B (ratio ${(raw / packed).toFixed(2)})`);
for (const [series, value] of tally.counters) console.log(`  ${series} = ${value}`);
console.log(`  spans: ${tally.spans.join('; ')}`);
console.log('shutting down:');
await plugins.shutdownAll();
