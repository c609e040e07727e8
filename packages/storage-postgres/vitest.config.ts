import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'storage-postgres',
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL cluster for the whole run (or SOCHDB_TEST_POSTGRES_URL's server).
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
