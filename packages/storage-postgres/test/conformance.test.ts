import { storageConformance } from '@sochdb/testkit';
import { describe } from 'vitest';
import { noServer, storage } from './server.js';

describe.skipIf(noServer())('on a PostgreSQL server', () => {
  // keyCount is PostgreSQL's own live-row figure, which its statistics update a moment after a write.
  storageConformance('@sochdb/storage-postgres', () => storage(), { approximateStats: true });
});
