/**
 * `pnpm bench metrics`, the OpenTelemetry part: a labelled counter add,
 * a histogram record and a span start/end through @sochdb/opentelemetry,
 * directly and through PluginManager's fan-out, next to the same raw
 * `@opentelemetry/api` calls against the same SDK (the baseline; target
 * <= 1.1x its time), and the counter again with no SDK registered, next to
 * the no-op API (target: about what the no-op API costs).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { type Attributes, context, createNoopMeter, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PluginManager } from '@sochdb/core';
import { OpenTelemetryObservability } from '@sochdb/opentelemetry';
import type { Contender, Figure, Suite } from '../harness.js';

/** Types a contender's state; the harness's `Case` holds contenders of any state as `Contender<never>`. */
const contender = <State>(spec: Contender<State>) => spec as unknown as Contender<never>;

const CALLS = 200_000;
const NOOP_CALLS = 2_000_000;
const SPANS = 50_000;
/** 16 label sets of two labels, the same objects for every contender. */
const LABELS: readonly Attributes[] = Array.from({ length: 16 }, (_, i) => ({
  table: `table_${i >> 2}`,
  op: ['get', 'put', 'delete', 'scan'][i & 3] as string,
}));
const VALUES = Array.from({ length: 64 }, (_, i) => (i * i) / 256);

function meterProvider(): MeterProvider {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  return new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
  });
}

function tracerProvider(exporter = new InMemorySpanExporter()): BasicTracerProvider {
  return new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
}

interface Extended {
  provider: MeterProvider;
  spans: BasicTracerProvider;
  /** Keeps every finished span until reset or shut down. */
  spanExporter: InMemorySpanExporter;
  obs: OpenTelemetryObservability;
  manager: PluginManager;
}

async function extended(withSdk: boolean): Promise<Extended> {
  const provider = meterProvider();
  const spanExporter = new InMemorySpanExporter();
  const spans = tracerProvider(spanExporter);
  const obs = new OpenTelemetryObservability(
    withSdk ? { meterProvider: provider, tracerProvider: spans } : { onError: () => {} },
  );
  const manager = new PluginManager();
  await manager.register(obs);
  return { provider, spans, spanExporter, obs, manager };
}

// Shutting the providers down empties their in-memory exporters, so no round leaves a heap for the next.
const teardown = async ({ provider, spans, manager }: Extended) => {
  await manager.shutdownAll();
  await provider.shutdown();
  await spans.shutdown();
};

/**
 * CPU time per call, the contenders interleaved batch by batch. On a shared
 * machine wall-clock rounds include time spent waiting for a core, which
 * swamps differences of a few percent; CPU time does not. Between batches,
 * untimed, a turn of the event loop (so the SDK's pending span exports run)
 * and `between` (to drop what the exporters hold). The note is the speed
 * ratio to the first contender, the baseline: above 1 is faster.
 */
async function cpuTime(
  calls: number,
  batches: number,
  contenders: ReadonlyArray<readonly [string, () => void]>,
  between: () => void = () => {},
): Promise<Figure[]> {
  const totals = contenders.map(() => 0);
  for (const [, run] of contenders) run(); // warm-up
  for (let batch = 0; batch < batches; batch++) {
    for (const [i, [, run]] of contenders.entries()) {
      await sleep(0);
      between();
      const before = process.cpuUsage();
      run();
      const used = process.cpuUsage(before);
      totals[i] = (totals[i] as number) + used.user + used.system;
    }
  }
  const base = totals[0] as number;
  return contenders.map(([name], i) => ({
    name,
    value: ((totals[i] as number) * 1000) / (calls * batches),
    unit: 'ns/call (CPU)',
    note: i === 0 ? 'baseline' : `${(base / (totals[i] as number)).toFixed(3)}x the baseline's speed`,
  }));
}

const suite: Suite = {
  name: 'metrics',
  description: '@sochdb/opentelemetry next to the raw OpenTelemetry API, with the SDK and with no SDK',
  async run(bench) {
    // CPU-time figures first, in a fresh heap; then the wall-clock cases.
    const sdkMeter = meterProvider();
    const sdkState = await extended(true);
    const rawCounter = sdkMeter.getMeter('bench').createCounter('txn.commit');
    const rawHistogram = sdkMeter.getMeter('bench').createHistogram('query.seconds');
    const BATCH = 20_000;
    bench.figures(
      'OpenTelemetry, SDK: CPU time per call, 30 interleaved batches of 20k',
      await cpuTime(BATCH, 30, [
        [
          'raw counter.add',
          () => {
            for (let i = 0; i < BATCH; i++) rawCounter.add(1, LABELS[i & 15]);
          },
        ],
        [
          '@sochdb/opentelemetry counterInc',
          () => {
            for (let i = 0; i < BATCH; i++) sdkState.obs.counterInc('txn.commit', 1, LABELS[i & 15] as never);
          },
        ],
        [
          'PluginManager.counterInc',
          () => {
            for (let i = 0; i < BATCH; i++) sdkState.manager.counterInc('txn.commit', 1, LABELS[i & 15] as never);
          },
        ],
      ]),
    );
    bench.figures(
      'OpenTelemetry, SDK: CPU time per histogram record',
      await cpuTime(BATCH, 30, [
        [
          'raw histogram.record',
          () => {
            for (let i = 0; i < BATCH; i++) rawHistogram.record(VALUES[i & 63] as number, LABELS[i & 15]);
          },
        ],
        [
          '@sochdb/opentelemetry histogramObserve',
          () => {
            for (let i = 0; i < BATCH; i++) {
              sdkState.obs.histogramObserve('query.seconds', VALUES[i & 63] as number, LABELS[i & 15] as never);
            }
          },
        ],
      ]),
    );
    const spanExporter = new InMemorySpanExporter();
    const spanProvider = tracerProvider(spanExporter);
    const spanTracer = spanProvider.getTracer('bench');
    const rawRoot = spanTracer.startSpan('root');
    const root = sdkState.obs.spanStart('root');
    const SPAN_BATCH = 5_000;
    bench.figures(
      'OpenTelemetry, SDK: CPU time per child span start + end, 30 interleaved batches of 5k',
      await cpuTime(
        SPAN_BATCH,
        30,
        [
          [
            'raw startSpan(name, undefined, setSpan(active, parent)).end()',
            () => {
              for (let i = 0; i < SPAN_BATCH; i++) {
                spanTracer.startSpan('wal.append', undefined, trace.setSpan(context.active(), rawRoot)).end();
              }
            },
          ],
          [
            '@sochdb/opentelemetry spanStart + spanEnd',
            () => {
              for (let i = 0; i < SPAN_BATCH; i++) sdkState.obs.spanEnd(sdkState.obs.spanStart('wal.append', root));
            },
          ],
        ],
        () => {
          spanExporter.reset();
          sdkState.spanExporter.reset();
        },
      ),
    );
    rawRoot.end();
    await spanProvider.shutdown();
    await teardown(sdkState);
    await sdkMeter.shutdown();

    const noopCounter = createNoopMeter().createCounter('txn.commit');
    const noopState = await extended(false);
    const NOOP_BATCH = 1_000_000;
    bench.figures(
      'OpenTelemetry, no SDK: CPU time per counter add, 20 interleaved batches of 1M',
      await cpuTime(NOOP_BATCH, 20, [
        [
          'raw no-op counter.add',
          () => {
            for (let i = 0; i < NOOP_BATCH; i++) noopCounter.add(1, LABELS[i & 15]);
          },
        ],
        [
          '@sochdb/opentelemetry counterInc',
          () => {
            for (let i = 0; i < NOOP_BATCH; i++) noopState.obs.counterInc('txn.commit', 1, LABELS[i & 15] as never);
          },
        ],
        [
          'PluginManager.counterInc',
          () => {
            for (let i = 0; i < NOOP_BATCH; i++) noopState.manager.counterInc('txn.commit', 1, LABELS[i & 15] as never);
          },
        ],
      ]),
    );
    await teardown(noopState);

    await bench.case({
      name: `OpenTelemetry: labelled counter add x${CALLS / 1000}k (SDK)`,
      ops: CALLS,
      rounds: 9,
      contenders: [
        contender({
          name: 'raw counter.add(1, attributes)',
          baseline: true,
          setup: () => {
            const provider = meterProvider();
            return { provider, counter: provider.getMeter('bench').createCounter('txn.commit') };
          },
          run: ({ counter }) => {
            for (let i = 0; i < CALLS; i++) counter.add(1, LABELS[i & 15]);
          },
          teardown: ({ provider }) => provider.shutdown(),
        }),
        contender({
          name: '@sochdb/opentelemetry counterInc',
          setup: () => extended(true),
          run: ({ obs }) => {
            for (let i = 0; i < CALLS; i++) obs.counterInc('txn.commit', 1, LABELS[i & 15] as never);
          },
          teardown,
        }),
        contender({
          name: 'PluginManager.counterInc -> @sochdb/opentelemetry',
          setup: () => extended(true),
          run: ({ manager }) => {
            for (let i = 0; i < CALLS; i++) manager.counterInc('txn.commit', 1, LABELS[i & 15] as never);
          },
          teardown,
        }),
      ],
    });

    await bench.case({
      name: `OpenTelemetry: labelled histogram record x${CALLS / 1000}k (SDK)`,
      ops: CALLS,
      rounds: 9,
      contenders: [
        contender({
          name: 'raw histogram.record(v, attributes)',
          baseline: true,
          setup: () => {
            const provider = meterProvider();
            return { provider, histogram: provider.getMeter('bench').createHistogram('query.seconds') };
          },
          run: ({ histogram }) => {
            for (let i = 0; i < CALLS; i++) histogram.record(VALUES[i & 63] as number, LABELS[i & 15]);
          },
          teardown: ({ provider }) => provider.shutdown(),
        }),
        contender({
          name: '@sochdb/opentelemetry histogramObserve',
          setup: () => extended(true),
          run: ({ obs }) => {
            for (let i = 0; i < CALLS; i++) {
              obs.histogramObserve('query.seconds', VALUES[i & 63] as number, LABELS[i & 15] as never);
            }
          },
          teardown,
        }),
        contender({
          name: 'PluginManager.histogramObserve -> @sochdb/opentelemetry',
          setup: () => extended(true),
          run: ({ manager }) => {
            for (let i = 0; i < CALLS; i++) {
              manager.histogramObserve('query.seconds', VALUES[i & 63] as number, LABELS[i & 15] as never);
            }
          },
          teardown,
        }),
      ],
    });

    await bench.case({
      name: `OpenTelemetry: span start + end, child of an open span x${SPANS / 1000}k (SDK, in-memory exporter)`,
      ops: SPANS,
      rounds: 9,
      contenders: [
        contender({
          name: 'raw tracer.startSpan(name, undefined, setSpan(active, parent)).end()',
          baseline: true,
          setup: () => {
            const provider = tracerProvider();
            const tracer = provider.getTracer('bench');
            const root = tracer.startSpan('root');
            return { provider, tracer, root };
          },
          run: ({ tracer, root }) => {
            // What spanStart(name, parent) is asked to do: a child of that span in the active context.
            for (let i = 0; i < SPANS; i++) {
              tracer.startSpan('wal.append', undefined, trace.setSpan(context.active(), root)).end();
            }
          },
          teardown: ({ provider, root }) => {
            root.end();
            return provider.shutdown();
          },
        }),
        contender<Extended & { root: number }>({
          name: '@sochdb/opentelemetry spanStart + spanEnd',
          setup: async () => {
            const state = await extended(true);
            return { ...state, root: state.obs.spanStart('root') };
          },
          run: ({ obs, root }) => {
            for (let i = 0; i < SPANS; i++) obs.spanEnd(obs.spanStart('wal.append', root));
          },
          teardown,
        }),
      ],
    });

    await bench.case({
      name: `OpenTelemetry: labelled counter add x${NOOP_CALLS / 1e6}M (no SDK registered)`,
      ops: NOOP_CALLS,
      contenders: [
        contender({
          name: 'raw no-op API counter.add(1, attributes)',
          baseline: true,
          setup: () => createNoopMeter().createCounter('txn.commit'),
          run: (counter) => {
            for (let i = 0; i < NOOP_CALLS; i++) counter.add(1, LABELS[i & 15]);
          },
        }),
        contender({
          name: '@sochdb/opentelemetry counterInc (no SDK)',
          setup: () => extended(false),
          run: ({ obs }) => {
            for (let i = 0; i < NOOP_CALLS; i++) obs.counterInc('txn.commit', 1, LABELS[i & 15] as never);
          },
          teardown,
        }),
        contender({
          name: 'PluginManager.counterInc -> @sochdb/opentelemetry (no SDK)',
          setup: () => extended(false),
          run: ({ manager }) => {
            for (let i = 0; i < NOOP_CALLS; i++) manager.counterInc('txn.commit', 1, LABELS[i & 15] as never);
          },
          teardown,
        }),
      ],
    });
  },
};

export default suite;
