import type { Labels, ObservabilityExtension } from '@sochdb/core';

/**
 * A correct observability extension that records what it is told (the kind
 * of work a real backend does: stringify names and labels, keep per-series
 * state, track open spans), guarded so nothing ever throws. The self-tests run
 * the observability suite on it and on subclasses that each break one rule.
 */
export class RecordingObservability implements ObservabilityExtension {
  readonly info = {
    name: 'recording-observability',
    version: '1.0.0',
    description: 'Reference observability for the testkit self-tests',
    author: 'SochDB',
    capabilities: ['observability'] as const,
  };
  readonly series = new Map<string, number>();
  readonly openSpans = new Map<number, { name: string; parent: number }>();
  readonly logs: string[] = [];
  protected nextSpan = 1;
  protected closed = false;

  /** A series key; throws on hostile input, which is why every caller guards. */
  protected seriesKey(kind: string, name: string, labels?: Labels): string {
    const entries = labels === undefined ? [] : Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`);
    return `${kind}:${String(name)}{${entries.sort().join(',')}}`;
  }

  protected guard(work: () => void): void {
    try {
      if (!this.closed) work();
    } catch {
      // Observability never throws into the caller; a real backend would count the drop.
    }
  }

  counterInc(name: string, value: number, labels?: Labels): void {
    this.guard(() => {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return;
      const key = this.seriesKey('counter', name, labels);
      this.series.set(key, (this.series.get(key) ?? 0) + value);
    });
  }

  gaugeSet(name: string, value: number, labels?: Labels): void {
    this.guard(() => {
      if (typeof value === 'number') this.series.set(this.seriesKey('gauge', name, labels), value);
    });
  }

  histogramObserve(name: string, value: number, labels?: Labels): void {
    this.guard(() => {
      if (typeof value !== 'number' || Number.isNaN(value)) return;
      const key = this.seriesKey('histogram', name, labels);
      this.series.set(key, (this.series.get(key) ?? 0) + 1);
    });
  }

  spanStart(name: string, parent?: number): number {
    let id = 0;
    this.guard(() => {
      const known = typeof parent === 'number' && this.openSpans.has(parent) ? parent : 0;
      id = this.nextSpan++;
      this.openSpans.set(id, { name: String(name), parent: known });
    });
    return id;
  }

  spanEnd(span: number): void {
    this.guard(() => {
      this.openSpans.delete(span);
    });
  }

  spanEvent(span: number, name: string, attributes?: Labels): void {
    this.guard(() => {
      if (this.openSpans.has(span)) this.logs.push(this.seriesKey('event', name, attributes));
    });
  }

  logInfo(message: string, fields?: Labels): void {
    this.guard(() => {
      this.logs.push(`${String(message)} ${JSON.stringify(fields ?? {})}`);
    });
  }

  logWarn(message: string, fields?: Labels): void {
    this.logInfo(message, fields);
  }

  reportHealth(health: { operational: boolean }): void {
    this.guard(() => {
      this.logs.push(`health ${health.operational}`);
    });
  }

  shutdown(): void {
    this.closed = true;
    this.openSpans.clear();
  }
}
