import { packageBuild } from '@spice-ts/config/tsup';
import { defineConfig } from 'tsup';

// vitest is a peer: the suite registers its tests with the runner of the project that uses it.
export default defineConfig({ ...(packageBuild() as object), external: ['vitest'] });
