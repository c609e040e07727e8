import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'storage-rocksdb',
    include: ['test/**/*.test.ts'],
    // The crash tests spawn and kill child processes; forks keep each file in its own process.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
