import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'index-btree',
    include: ['test/**/*.test.ts'],
    // The sizeBytes test measures heap growth, which needs a collection on demand.
    pool: 'forks',
    execArgv: ['--expose-gc'],
  },
});
