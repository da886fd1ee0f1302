import { packageTests } from '@spice-ts/config/vitest';

// Real clients and a real server process per test: long timeouts, one file at a time (the
// machine has 2 cores and the ports/processes must not race).
export default packageTests({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
