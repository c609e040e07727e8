import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'index-hnsw',
    include: ['test/**/*.test.ts'],
    // usearch is a native addon: a forked process keeps it out of the worker threads.
    pool: 'forks',
  },
});
