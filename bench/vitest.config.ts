import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'bench',
    include: ['test/**/*.test.ts'],
    // The runner imports every suite (and its libraries) before it reads its arguments.
    testTimeout: 120_000,
  },
});
