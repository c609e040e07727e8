import { observabilityConformance } from '@sochdb/testkit';
import { afterAll } from 'vitest';
import { OpenTelemetryObservability } from '../src/index.js';
import { createSdk } from './sdk.js';

// One real SDK for the suite (every instance a fresh extension on it), so the
// hostile input reaches real instruments and spans.
const sdk = createSdk();
afterAll(() => sdk.shutdown());

observabilityConformance(
  '@sochdb/opentelemetry (real SDK)',
  () =>
    new OpenTelemetryObservability({
      meterProvider: sdk.meterProvider,
      tracerProvider: sdk.tracerProvider,
      onError: () => {},
    }),
);

observabilityConformance(
  '@sochdb/opentelemetry (no SDK: the no-op API)',
  () => new OpenTelemetryObservability({ onError: () => {} }),
);
