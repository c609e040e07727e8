import type { Labels } from '@sochdb/core';
import { RecordingObservability } from '../reference/recording-observability.js';
import type { BrokenVariant } from './variant.js';

const SYNC = 'every hot-path method returns synchronously, never a promise';

/** Broken observability extensions, one rule each, keyed by a short id. */
export const brokenObservability: Record<string, BrokenVariant<RecordingObservability>> = {
  'strict-metric-names': {
    broken: 'throws on metric names that are not valid Prometheus names',
    make: () =>
      new (class extends RecordingObservability {
        override counterInc(name: string, value: number, labels?: Labels): void {
          if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`Invalid metric name: ${name}`);
          super.counterInc(name, value, labels);
        }
      })(),
    caughtBy: ['metric calls with names illegal in some backend never throw'],
  },
  'string-label-values': {
    broken: 'calls string methods on label values',
    make: () =>
      new (class extends RecordingObservability {
        override gaugeSet(name: string, value: number, labels?: Labels): void {
          for (const v of Object.values(labels ?? {})) v.toLowerCase();
          super.gaugeSet(name, value, labels);
        }
      })(),
    caughtBy: ['metric calls with odd label names, non-string label values and non-object labels never throw'],
  },
  'negative-counter-throws': {
    broken: 'throws on a negative counter increment, like prom-client',
    make: () =>
      new (class extends RecordingObservability {
        override counterInc(name: string, value: number, labels?: Labels): void {
          if (value < 0) throw new Error('It is not possible to decrease a counter');
          super.counterInc(name, value, labels);
        }
      })(),
    caughtBy: ['NaN, Infinity, negative and non-number values never throw'],
  },
  'kind-conflict': {
    broken: 'throws when a name is reused as another metric kind',
    make: () =>
      new (class extends RecordingObservability {
        private readonly kinds = new Map<string, string>();
        private claim(name: string, kind: string): void {
          const had = this.kinds.get(name);
          if (had !== undefined && had !== kind) throw new Error(`${name} is already a ${had}`);
          this.kinds.set(name, kind);
        }
        override counterInc(name: string, value: number, labels?: Labels): void {
          this.claim(name, 'counter');
          super.counterInc(name, value, labels);
        }
        override gaugeSet(name: string, value: number, labels?: Labels): void {
          this.claim(name, 'gauge');
          super.gaugeSet(name, value, labels);
        }
      })(),
    caughtBy: ['one name used as a counter, a gauge and a histogram never throws'],
  },
  'unknown-span-throws': {
    broken: 'spanEnd throws on an unknown span id',
    make: () =>
      new (class extends RecordingObservability {
        override spanEnd(span: number): void {
          if (!this.openSpans.has(span)) throw new Error(`unknown span ${span}`);
          super.spanEnd(span);
        }
      })(),
    caughtBy: [
      'spanEnd and spanEvent on unknown ids (0, -1, NaN, ...) never throw',
      'ending a span twice, and events on an ended span, never throw',
    ],
  },
  'one-span-id': {
    broken: 'spanStart returns the same id for every span',
    make: () =>
      new (class extends RecordingObservability {
        override spanStart(name: string, parent?: number): number {
          super.spanStart(name, parent);
          return 1;
        }
      })(),
    caughtBy: ['spans open at the same time get distinct ids'],
  },
  'span-id-not-integer': {
    broken: 'spanStart returns a random fraction',
    make: () =>
      new (class extends RecordingObservability {
        override spanStart(name: string, parent?: number): number {
          return super.spanStart(name, parent) + 0.5;
        }
      })(),
    caughtBy: ['spanStart returns 0 or a positive safe integer'],
  },
  'unguarded-log-fields': {
    broken: 'JSON.stringify of log fields without a guard (circular fields throw)',
    make: () =>
      new (class extends RecordingObservability {
        override logInfo(message: string, fields?: Labels): void {
          this.logs.push(`${String(message)} ${JSON.stringify(fields ?? {})}`);
        }
      })(),
    caughtBy: ['log methods, when present, never throw on odd messages and fields'],
  },
  'throws-after-shutdown': {
    broken: 'throws from every metric call after shutdown',
    make: () =>
      new (class extends RecordingObservability {
        override histogramObserve(name: string, value: number, labels?: Labels): void {
          if (this.closed) throw new Error('shut down');
          super.histogramObserve(name, value, labels);
        }
      })(),
    caughtBy: ['every method still never throws after shutdown'],
  },
  'async-counter': {
    broken: 'counterInc is async: it returns a promise (and its failures become unhandled rejections)',
    make: () =>
      new (class extends RecordingObservability {
        override async counterInc(name: string, value: number, labels?: Labels): Promise<void> {
          super.counterInc(name, value, labels);
        }
      })(),
    caughtBy: [SYNC, 'NaN, Infinity, negative and non-number values never throw'],
  },
  'async-log': {
    broken: 'logInfo returns a promise of the write',
    make: () =>
      new (class extends RecordingObservability {
        override logInfo(message: string, fields?: Labels): Promise<void> {
          super.logInfo(message, fields);
          return Promise.resolve();
        }
      })(),
    caughtBy: [SYNC],
  },
};
