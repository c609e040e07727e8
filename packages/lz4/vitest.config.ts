import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'lz4', include: ['test/**/*.test.ts'] },
});
