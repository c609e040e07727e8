import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageConformance } from '@sochdb/testkit';
import { afterAll } from 'vitest';
import { RocksDBStorage } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'sochdb-rocksdb-conformance-'));
let made = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

storageConformance('@sochdb/storage-rocksdb', () => new RocksDBStorage({ path: join(root, `db-${made++}`) }), {
  approximateStats: true,
  reopen: (previous) => new RocksDBStorage({ path: previous.path }),
});
