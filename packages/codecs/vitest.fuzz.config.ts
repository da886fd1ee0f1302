import { packageTests } from '@spice-ts/config/vitest';

// `pnpm fuzz`: the long decoder fuzz runs (FUZZ_RUNS mutated inputs per decoder, default 1e6).
export default packageTests({ test: { include: ['fuzz/**/*.fuzz.ts'], testTimeout: 0 } });
