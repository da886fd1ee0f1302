// Shared vitest preset: tests read sibling packages' TypeScript sources through the
// "@spice-ts/source" export condition, so no build is needed to run unit tests.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, mergeConfig } from 'vitest/config';

/**
 * Where the JSON report goes: SPICE_TS_RESULTS verbatim, or, when it names a directory (an
 * existing one or a path ending in "/"), `<dir>/<package name>.json` for the package in cwd
 * ("@spice-ts/protocol" → "spice-ts__protocol.json").
 * @returns {string | undefined}
 */
function resultsFile() {
  const target = process.env.SPICE_TS_RESULTS;
  if (!target) return undefined;
  const isDir = target.endsWith('/') || (existsSync(target) && statSync(target).isDirectory());
  if (!isDir) return target;
  let name = 'package';
  try {
    name = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).name ?? name;
  } catch {
    // no readable package.json in cwd: keep the fallback name
  }
  return join(target, `${name.replace(/^@/, '').replace(/\//g, '__')}.json`);
}
const results = resultsFile();

const base = defineConfig({
  resolve: { conditions: ['@spice-ts/source'] },
  ssr: { resolve: { conditions: ['@spice-ts/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    reporters: results ? ['default', ['json', { outputFile: results }]] : ['default'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
});

/** @param {import('vitest/config').UserConfig} [overrides] */
export function packageTests(overrides = {}) {
  return mergeConfig(base, overrides);
}
