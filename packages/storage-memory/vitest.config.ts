import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'storage-memory', include: ['test/**/*.test.ts'] },
});
