import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'storage-memory',
    include: ['test/**/*.test.ts'],
    // The shutdown test measures that the memory is given back, which needs a collection on demand.
    pool: 'forks',
    execArgv: ['--expose-gc'],
  },
});
