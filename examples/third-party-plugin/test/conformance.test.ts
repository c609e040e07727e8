import { observabilityConformance } from '@sochdb/testkit';
import { LogfmtObservability } from '../src/index.js';

// The contract, checked by the kit every SochDB plugin runs.
observabilityConformance(
  'LogfmtObservability',
  () => new LogfmtObservability({ destination: { write() {} }, level: 'debug' }),
);
