import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Stack tests bundle every Lambda with esbuild; e2e tests start local servers.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
