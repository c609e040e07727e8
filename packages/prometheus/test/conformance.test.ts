import { observabilityConformance } from '@sochdb/testkit';
import { Registry } from 'prom-client';
import { PrometheusObservability } from '../src/index.js';

// Problems go to a no-op handler here: the kit feeds hostile input on purpose,
// and the default (a process warning per problem) would only add noise.
observabilityConformance('@sochdb/prometheus', () => new PrometheusObservability({ onError: () => {} }));

// Again with one application registry shared by the instances made in turn:
// shutdown must free the names for the next instance.
const shared = new Registry();
observabilityConformance(
  '@sochdb/prometheus (shared registry)',
  () => new PrometheusObservability({ registry: shared, onError: () => {} }),
);
