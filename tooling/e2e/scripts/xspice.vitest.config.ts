import { defineConfig } from 'vitest/config';

// Only for try-against-xspice.sh: runs xspice-check.ts, never the normal tests.
export default defineConfig({
  test: {
    include: ['scripts/xspice-check.ts'],
    environment: 'node',
    testTimeout: 90_000,
    fileParallelism: false,
  },
});
