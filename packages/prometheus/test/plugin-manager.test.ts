import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPluginModule, loadPlugin, PluginManager } from '@sochdb/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import plugin, { PrometheusObservability, VERSION } from '../src/index.js';
import { parseExposition, recorder, sampleValue } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('wired into PluginManager', () => {
  it('fan-out reaches the registry: metrics, spans, logs and health', async () => {
    const registry = new Registry();
    const manager = new PluginManager();
    const ext = new PrometheusObservability({ registry });
    await manager.register(ext);
    expect(manager.listExtensions().map((info) => info.name)).toEqual(['prometheus-metrics']);

    manager.counterInc('txn.commit', 2, { table: 'users' });
    manager.counterInc('txn.commit', 3, { table: 'users' });
    manager.gaugeSet('active.txns', 4);
    manager.histogramObserve('query.seconds', 0.02, { kind: 'scan' });
    const root = manager.spanStart('txn.commit');
    const child = manager.spanStart('wal.append', root);
    manager.spanEvent(child, 'fsync');
    manager.spanEnd(child);
    manager.spanEnd(root);
    manager.logWarn('slow checkpoint', { ms: '900' });
    manager.reportHealth({
      operational: true,
      walSizeBytes: 10,
      activeTxns: 1,
      bufferPoolUsage: 0.1,
      checkpointAgeSecs: 2,
    });

    const samples = parseExposition(await registry.metrics());
    expect(sampleValue(samples, 'sochdb_txn_commit_total', { table: 'users' })).toBe(5);
    expect(sampleValue(samples, 'sochdb_active_txns')).toBe(4);
    expect(sampleValue(samples, 'sochdb_query_seconds_bucket', { kind: 'scan', le: '0.025' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_span_duration_seconds_count', { span: 'txn.commit' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_span_duration_seconds_count', { span: 'wal.append' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_span_events_total', { span: 'wal.append', event: 'fsync' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_log_messages_total', { level: 'warn' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_health_wal_size_bytes')).toBe(10);

    await manager.shutdownAll();
    expect(registry.getMetricsAsArray()).toHaveLength(0);
  });

  it('bad values are dropped by the manager or by us, and nothing reaches the caller', async () => {
    const managerErrors = recorder();
    const ourErrors = recorder();
    const manager = new PluginManager({ onError: (error, where) => managerErrors.onError(error, where) });
    const ext = new PrometheusObservability({ onError: ourErrors.onError });
    await manager.registerObservability(ext);
    expect(() => manager.counterInc('c', -1)).not.toThrow(); // the manager drops it
    expect(() => manager.gaugeSet('g', Number.NaN)).not.toThrow(); // we drop it
    expect(() => manager.counterInc('c', 1, { __name__: 'x' })).not.toThrow();
    expect(managerErrors.calls.map((c) => c.where)).toEqual([{ extension: 'PluginManager', operation: 'counterInc' }]);
    expect(ourErrors.calls.map((c) => c.where)).toEqual([{ extension: 'prometheus-metrics', operation: 'gaugeSet' }]);
    expect(sampleValue(parseExposition(await ext.metrics()), 'sochdb_c_total', { _name__: 'x' })).toBe(1);
    await manager.shutdownAll();
  });

  it('the default export is a plugin module that loadPlugin can load by package name', async () => {
    expect(isPluginModule(plugin)).toBe(true);
    expect(plugin.capability).toBe('observability');
    const made = await plugin.create({ name: 'made', prefix: 'x_' });
    expect(made).toBeInstanceOf(PrometheusObservability);
    expect(made.info.name).toBe('made');
    // Resolved from this package's folder (a package resolves itself through its "exports"),
    // as an application resolves its own dependencies; this loads the built dist/.
    const loaded = await loadPlugin('@sochdb/prometheus', { name: 'loaded' }, packageDir);
    expect(loaded.info.name).toBe('loaded');
    expect(loaded.info.capabilities).toEqual(['observability']);
  });

  it('two instances with distinct names and prefixes share one manager and one registry', async () => {
    const registry = new Registry();
    const manager = new PluginManager();
    await manager.register(new PrometheusObservability({ registry, name: 'primary' }));
    await manager.register(new PrometheusObservability({ registry, name: 'replica', prefix: 'replica_' }));
    manager.counterInc('c', 2);
    const samples = parseExposition(await registry.metrics());
    expect(sampleValue(samples, 'sochdb_c_total')).toBe(2);
    expect(sampleValue(samples, 'replica_c_total')).toBe(2);
    await manager.shutdownAll();
  });
});

describe('package', () => {
  it('VERSION and info.version match package.json', () => {
    const { version } = JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8')) as { version: string };
    expect(VERSION).toBe(version);
    expect(new PrometheusObservability().info.version).toBe(version);
  });
});
