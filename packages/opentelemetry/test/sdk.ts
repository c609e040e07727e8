/** The real OpenTelemetry SDK wired to in-memory exporters, for the tests. */
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryObservability, type OpenTelemetryObservabilityOptions } from '../src/index.js';

export interface Sdk {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  readonly spanExporter: InMemorySpanExporter;
  /** Collects now and returns every metric exported, by name. */
  collect(): Promise<Map<string, MetricData>>;
  /** Spans ended so far. */
  finished(): ReadableSpan[];
  shutdown(): Promise<void>;
}

export function createSdk(): Sdk {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: the tests collect with forceFlush, never on a timer.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  return {
    meterProvider,
    tracerProvider,
    spanExporter,
    async collect() {
      metricExporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const resourceMetrics of metricExporter.getMetrics()) {
        for (const scope of resourceMetrics.scopeMetrics) {
          for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
        }
      }
      return byName;
    },
    finished: () => spanExporter.getFinishedSpans(),
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** An extension bound to `sdk`, initialised as a manager would, with problems recorded. */
export function observed(
  sdk: Sdk,
  options: OpenTelemetryObservabilityOptions = {},
): { obs: OpenTelemetryObservability; errors: Array<{ error: Error; operation: string }> } {
  const errors: Array<{ error: Error; operation: string }> = [];
  const obs = new OpenTelemetryObservability({
    meterProvider: sdk.meterProvider,
    tracerProvider: sdk.tracerProvider,
    onError: (error, where) => errors.push({ error: error as Error, operation: where.operation }),
    ...options,
  });
  obs.init();
  return { obs, errors };
}

/** The data points of a metric as `[attributes, value]` pairs, fewest attributes first, then by their JSON. */
export function points(metric: MetricData | undefined): Array<[Record<string, unknown>, unknown]> {
  if (metric === undefined) throw new Error('metric not exported');
  return (metric.dataPoints as DataPoint<unknown>[])
    .map((point): [Record<string, unknown>, unknown] => [{ ...point.attributes }, point.value])
    .sort((a, b) => {
      const [x, y] = [JSON.stringify(a[0]), JSON.stringify(b[0])];
      return Object.keys(a[0]).length - Object.keys(b[0]).length || (x < y ? -1 : x > y ? 1 : 0);
    });
}

/** A histogram data point's count and sum. */
export function countAndSum(value: unknown): { count: number; sum: number | undefined } {
  const histogram = value as Histogram;
  return { count: histogram.count, sum: histogram.sum };
}

/** The exported metric a call named `name` made: `sochdb.<name>`, with the default prefix. */
export function metricNamed(exported: Map<string, MetricData>, name: string): MetricData | undefined {
  return exported.get(`sochdb.${name}`);
}
