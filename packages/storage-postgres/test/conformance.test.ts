import { storageConformance } from '@sochdb/testkit';
import { describe } from 'vitest';
import { PostgresStorage } from '../src/index.js';
import { noServer, serverUrl, storage } from './server.js';

describe.skipIf(noServer())('on a PostgreSQL server', () => {
  storageConformance('@sochdb/storage-postgres', () => storage(), {
    // keyCount is PostgreSQL's own live-row figure, which its statistics update a moment after a write.
    approximateStats: true,
    // The server outlives the instance: a new instance on the same table is a reopen.
    reopen: (previous) =>
      new PostgresStorage({ connectionString: serverUrl as string, tableName: previous.tableName, poolSize: 4 }),
    // Several live instances on one table are the point of this backend.
    shared: true,
  });
});
