/**
 * The contract: the same calls give the same Prometheus names in every
 * backend. Here the same calls go to @sochdb/prometheus (a devDependency of
 * this test only; neither package depends on the other at run time) and,
 * through this package, to the OpenTelemetry SDK read by OpenTelemetry's own
 * Prometheus exporter; the two expositions must hold the same series.
 */
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { HealthInfo, ObservabilityExtension } from '@sochdb/core';
import { PrometheusObservability } from '@sochdb/prometheus';
import { describe, expect, it } from 'vitest';
import { OpenTelemetryObservability } from '../src/index.js';

const HEALTH: HealthInfo = {
  operational: true,
  walSizeBytes: 8192,
  activeTxns: 3,
  bufferPoolUsage: 0.25,
  checkpointAgeSecs: 42,
};

/** The same calls a kernel makes, on any backend. */
function drive(obs: ObservabilityExtension): void {
  obs.counterInc('txn.commit', 1, { table: 'users' });
  obs.counterInc('txn.commit', 2, { table: 'orders' });
  obs.counterInc('bytes_written', 4096);
  obs.gaugeSet('active_txns', 3);
  obs.gaugeSet('buffer-pool/pages', 128, { pool: 'main' });
  obs.histogramObserve('query.seconds', 0.2, { kind: 'scan' });
  obs.histogramObserve('query.seconds', 0.004, { kind: 'scan' });
  obs.logInfo?.('started');
  obs.logWarn?.('slow');
  obs.logWarn?.('slow again');
  obs.reportHealth?.(HEALTH);
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * The samples of a text exposition, without OpenTelemetry's scope labels
 * (`otel_scope_*`) and `target_info` (both switchable off in the exporter)
 * and without bucket lines (bucket bounds are each backend's `buckets`
 * choice; the `_count` and `_sum` lines stay).
 */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (match === null) throw new Error(`unparsed exposition line: ${line}`);
    const [, name, labelText, value] = match as unknown as [string, string, string | undefined, string];
    if (name === 'target_info' || name.endsWith('_bucket')) continue;
    const labels: Record<string, string> = {};
    for (const [, key, labelValue] of (labelText ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (!(key as string).startsWith('otel_scope_')) labels[key as string] = labelValue as string;
    }
    out.push({ name, labels, value: Number(value) });
  }
  return out.sort((a, b) => {
    const x = `${a.name}${JSON.stringify(a.labels)}`;
    const y = `${b.name}${JSON.stringify(b.labels)}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

async function throughPrometheusPlugin(): Promise<string> {
  const obs = new PrometheusObservability({ onError: () => {} });
  drive(obs);
  const text = await obs.metrics();
  await obs.shutdown();
  return text;
}

async function throughOpenTelemetryExporter(
  exporterOptions: ConstructorParameters<typeof PrometheusExporter>[0] = {},
): Promise<string> {
  const exporter = new PrometheusExporter({ preventServerStart: true, ...exporterOptions });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const obs = new OpenTelemetryObservability({ meterProvider, onError: () => {} });
  obs.init();
  drive(obs);
  // What the exporter's /metrics handler answers, without opening a port.
  const text = await new Promise<string>((resolve, reject) => {
    const response = {
      statusCode: 0,
      setHeader() {},
      end: (body: string) => resolve(body),
    };
    try {
      exporter.getMetricsRequestHandler({} as never, response as never);
    } catch (error) {
      reject(error);
    }
  });
  await meterProvider.shutdown();
  return text;
}

describe('Prometheus names: @opentelemetry/exporter-prometheus writes what @sochdb/prometheus writes', () => {
  it('the same calls give the same series (names, labels, values): counters with _total, gauges, histograms, logs, health', async () => {
    const prometheus = samples(await throughPrometheusPlugin());
    const opentelemetry = samples(await throughOpenTelemetryExporter());
    const names = (list: Sample[]) => [...new Set(list.map((s) => s.name))].sort();
    expect(names(opentelemetry)).toEqual(names(prometheus));
    expect(opentelemetry).toEqual(prometheus);
    expect(names(prometheus)).toEqual(
      expect.arrayContaining([
        'sochdb_txn_commit_total',
        'sochdb_bytes_written_total',
        'sochdb_active_txns',
        'sochdb_buffer_pool_pages',
        'sochdb_query_seconds_count',
        'sochdb_query_seconds_sum',
        'sochdb_log_messages_total',
        'sochdb_health_operational',
        'sochdb_health_wal_size_bytes',
        'sochdb_health_active_transactions',
        'sochdb_health_buffer_pool_usage_ratio',
        'sochdb_health_checkpoint_age_seconds',
      ]),
    );
  });

  it('with the exporter told to leave out scope labels and target_info, the expositions hold the same samples line for line', async () => {
    const text = await throughOpenTelemetryExporter({ withoutScopeInfo: true, withoutTargetInfo: true });
    expect(text).not.toMatch(/otel_scope_|target_info/);
    expect(samples(text)).toEqual(samples(await throughPrometheusPlugin()));
  });
});
