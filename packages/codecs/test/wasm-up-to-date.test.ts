import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The WebAssembly modules and src/wasm-modules.ts are checked in; they must be what the
// AssemblyScript sources in wasm/assembly compile to (the build is deterministic).
describe('WebAssembly encoders', () => {
  it('are up to date with wasm/assembly (node wasm/build.mjs --check)', () => {
    const script = fileURLToPath(new URL('../wasm/build.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 120_000);
});
