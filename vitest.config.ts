import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Stack tests bundle every Lambda with esbuild; e2e tests start local servers.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The AWS SDK warns on every Node < 22 that its releases after January 2027 will need 22.
    // The Lambdas run nodejs22.x and package-lock.json pins the SDK, so in test output the
    // warning is noise repeated per test file; README says which Node to develop on.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
