import type { ObservabilityExtension } from './extension.js';
import type { ExtensionInfo } from './types.js';
import { VERSION } from './version.js';

/**
 * An observability extension that does nothing: every metric, span and log
 * call is an empty function, and `spanStart` returns 0 ("no span"). Useful as
 * a placeholder and as the reference for `observabilityConformance`.
 */
export class NullObservability implements ObservabilityExtension {
  /** `null-observability`, declaring `observability`. */
  readonly info: ExtensionInfo;

  /** @param options - `name`: the extension name (default `"null-observability"`) */
  constructor(options: { name?: string } = {}) {
    this.info = Object.freeze({
      name: options.name ?? 'null-observability',
      version: VERSION,
      description: 'No-op observability',
      author: 'SochDB',
      capabilities: Object.freeze(['observability'] as const),
    });
  }

  /** Does nothing. */
  counterInc(): void {}
  /** Does nothing. */
  gaugeSet(): void {}
  /** Does nothing. */
  histogramObserve(): void {}
  /** Returns 0: no span. */
  spanStart(): number {
    return 0;
  }
  /** Does nothing. */
  spanEnd(): void {}
  /** Does nothing. */
  spanEvent(): void {}
}
