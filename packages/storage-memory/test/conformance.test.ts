import { storageConformance } from '@sochdb/testkit';
import { MemoryStorage } from '../src/index.js';

storageConformance('@sochdb/storage-memory', () => new MemoryStorage());
