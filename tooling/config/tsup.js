// Shared tsup preset: ESM only, declarations, Node 20 target. Each package's tsup.config.ts
// calls packageBuild() with its entry points.
import { defineConfig } from 'tsup';

/**
 * @param {{ entry?: string[] | Record<string,string>, banner?: string }} [options]
 */
export function packageBuild(options = {}) {
  return defineConfig({
    entry: options.entry ?? ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: false,
    treeshake: true,
    ...(options.banner ? { banner: { js: options.banner } } : {}),
  });
}
