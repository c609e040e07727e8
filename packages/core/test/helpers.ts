/** Small recording extensions used across core's tests. */
import type {
  CompressionExtension,
  ExtensionCapability,
  HealthInfo,
  IndexExtension,
  Labels,
  ObservabilityExtension,
  StorageExtension,
} from '../src/index.js';

export function info(name: string, capabilities: readonly ExtensionCapability[]) {
  return { name, version: '1.0.0', description: `test extension ${name}`, author: 'tests', capabilities };
}

/** A shared log of lifecycle events, to check order across extensions. */
export type Journal = string[];

export function storage(name: string, journal: Journal = []): StorageExtension {
  return {
    info: info(name, ['storage']),
    init: () => void journal.push(`init ${name}`),
    shutdown: () => void journal.push(`shutdown ${name}`),
    get: async () => undefined,
    put: async () => {},
    delete: async () => {},
    scan: async () => [],
    flush: async () => {},
  };
}

export function index(name: string, indexType = 'btree', journal: Journal = []): IndexExtension {
  return {
    info: info(name, ['index']),
    indexType,
    shutdown: () => void journal.push(`shutdown ${name}`),
    build: () => {},
    insert: () => {},
    delete: () => false,
    lookup: () => [],
    range: () => [],
    sizeBytes: () => 0,
  };
}

export function compression(name: string, algorithm: string, journal: Journal = []): CompressionExtension {
  return {
    info: info(name, ['compression']),
    algorithm,
    shutdown: () => void journal.push(`shutdown ${name}`),
    compress: (input) => input.slice(),
    decompress: (input) => input.slice(),
  };
}

export type Call = [method: string, ...args: unknown[]];

/** An observability extension that records every call, with its own span ids starting at `firstSpan`. */
export class Recorder implements ObservabilityExtension {
  readonly info;
  readonly calls: Call[] = [];
  #nextSpan: number;
  constructor(
    name: string,
    firstSpan = 100,
    readonly journal: Journal = [],
  ) {
    this.info = info(name, ['observability']);
    this.#nextSpan = firstSpan;
  }
  shutdown(): void {
    this.journal.push(`shutdown ${this.info.name}`);
  }
  counterInc(name: string, value: number, labels?: Labels) {
    this.calls.push(['counterInc', name, value, labels]);
  }
  gaugeSet(name: string, value: number, labels?: Labels) {
    this.calls.push(['gaugeSet', name, value, labels]);
  }
  histogramObserve(name: string, value: number, labels?: Labels) {
    this.calls.push(['histogramObserve', name, value, labels]);
  }
  spanStart(name: string, parent?: number) {
    const id = this.#nextSpan++;
    this.calls.push(['spanStart', name, parent, id]);
    return id;
  }
  spanEnd(span: number) {
    this.calls.push(['spanEnd', span]);
  }
  spanEvent(span: number, name: string, attributes?: Labels) {
    this.calls.push(['spanEvent', span, name, attributes]);
  }
  logDebug(message: string, fields?: Labels) {
    this.calls.push(['logDebug', message, fields]);
  }
  logInfo(message: string, fields?: Labels) {
    this.calls.push(['logInfo', message, fields]);
  }
  logWarn(message: string, fields?: Labels) {
    this.calls.push(['logWarn', message, fields]);
  }
  logError(message: string, fields?: Labels) {
    this.calls.push(['logError', message, fields]);
  }
  reportHealth(health: HealthInfo) {
    this.calls.push(['reportHealth', health]);
  }
}

/** An observability extension whose every method throws. */
export function thrower(name: string): ObservabilityExtension {
  const fail = (op: string) => () => {
    throw new Error(`${name} fails in ${op}`);
  };
  return {
    info: info(name, ['observability']),
    counterInc: fail('counterInc'),
    gaugeSet: fail('gaugeSet'),
    histogramObserve: fail('histogramObserve'),
    spanStart: fail('spanStart'),
    spanEnd: fail('spanEnd'),
    spanEvent: fail('spanEvent'),
    logDebug: fail('logDebug'),
    logInfo: fail('logInfo'),
    logWarn: fail('logWarn'),
    logError: fail('logError'),
    reportHealth: fail('reportHealth'),
  };
}

export const health: HealthInfo = {
  operational: true,
  walSizeBytes: 4096,
  activeTxns: 3,
  bufferPoolUsage: 0.25,
  checkpointAgeSecs: 12,
};

/** A promise and the functions that settle it, to order asynchronous steps without timers. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
