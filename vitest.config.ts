import { defineConfig } from 'vitest/config';

// One vitest run over every workspace package that has tests; each package's
// own vitest.config.ts names its project.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/kernel-demo/vitest.config.ts', 'bench/vitest.config.ts'],
  },
});
