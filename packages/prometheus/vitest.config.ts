import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'prometheus', include: ['test/**/*.test.ts'] },
});
