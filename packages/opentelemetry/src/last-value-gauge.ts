import type { Attributes, Meter, MetricOptions, ObservableResult } from '@opentelemetry/api';

/** What this package needs of a gauge: the synchronous `Gauge` of `@opentelemetry/api` >= 1.9. */
export interface GaugeLike {
  record(value: number, attributes?: Attributes): void;
}

/** Attribute sets one fallback gauge remembers; past this, new sets are dropped (old ones keep updating). */
export const MAX_GAUGE_SERIES = 10_000;

/**
 * A synchronous gauge for a meter that has no `createGauge` (an SDK older
 * than the 1.9 API): the last value recorded per attribute set, observed by
 * an observable gauge at each collection.
 */
export class LastValueGauge implements GaugeLike {
  readonly #values = new Map<string, { value: number; attributes: Attributes | undefined }>();

  constructor(meter: Meter, name: string, options: MetricOptions | undefined) {
    meter.createObservableGauge(name, options).addCallback((result: ObservableResult) => {
      for (const { value, attributes } of this.#values.values()) result.observe(value, attributes);
    });
  }

  /** Remembers `value` for this attribute set until the next `record` of the same set. */
  record(value: number, attributes?: Attributes): void {
    const key = attributes === undefined ? '' : seriesKey(attributes);
    if (this.#values.size >= MAX_GAUGE_SERIES && !this.#values.has(key)) return;
    this.#values.set(key, { value, attributes: attributes === undefined ? undefined : { ...attributes } });
  }
}

function seriesKey(attributes: Attributes): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((key) => [key, attributes[key]]),
  );
}
