import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'json-logging', include: ['test/**/*.test.ts'] },
});
