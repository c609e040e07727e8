import { indexConformance } from '@sochdb/testkit';
import { BTreeIndex } from '../src/index.js';

indexConformance('@sochdb/index-btree', () => new BTreeIndex());
