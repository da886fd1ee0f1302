import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** tooling/e2e (this package). */
export const E2E_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The workspace root (the folder holding pnpm-workspace.yaml). */
export const REPO_ROOT = findRepoRoot(E2E_ROOT);

/** Our scriptable SPICE client, run with the system python (see peers.ts). */
export const GLIB_CLIENT_SCRIPT = join(E2E_ROOT, 'clients', 'glib_client.py');

/** The spice-ts binary as apps/server builds it. */
export const SERVER_ENTRY = join(REPO_ROOT, 'apps', 'server', 'dist', 'main.js');

/** Where debugging artifacts (diff images, server logs) go; ignored by git. */
export const ARTIFACTS_DIR = join(REPO_ROOT, '.test-results', 'e2e');

/** Creates ARTIFACTS_DIR (or a subfolder of it) and returns its path. */
export function artifactsDir(...sub: string[]): string {
  const dir = join(ARTIFACTS_DIR, ...sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start, '..', '..');
    dir = parent;
  }
}
