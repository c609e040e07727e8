import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observabilityConformance } from '@sochdb/testkit';
import { afterAll } from 'vitest';
import { JsonLogger } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sochdb-json-logging-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// Every optional line switched on, so every path meets the hostile input.
observabilityConformance(
  '@sochdb/json-logging',
  () =>
    new JsonLogger({
      destination: join(dir, `conformance-${n++}.log`),
      level: 'debug',
      base: { service: 'conformance' },
      spans: true,
      spanEvents: true,
      metrics: true,
      health: true,
      onError: () => {},
    }),
);

observabilityConformance(
  '@sochdb/json-logging (defaults)',
  () => new JsonLogger({ destination: join(dir, `defaults-${n++}.log`), onError: () => {} }),
);
