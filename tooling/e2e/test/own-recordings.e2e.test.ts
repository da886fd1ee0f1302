import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertFramesMatch,
  glibScreenshot,
  REPO_ROOT,
  readPng,
  type ServerProcess,
  startServer,
} from '../src/index.js';

// The project's own recordings (scripts/record-xspice.sh): made by the reference server in Xspice,
// cut at the moment a spice-gtk client connected to that live server showed NAME.final.png. They
// are in the repository, so these tests need nothing from outside it.
const RECORDINGS = join(REPO_ROOT, 'tooling', 'e2e', 'test', 'fixtures', 'recordings');

describe('spice-ts --replay of the project recordings', () => {
  let server: ServerProcess | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  for (const [name, what] of [
    ['desktop', 'fills, bitmaps and text from xsetroot, xlogo and an xterm'],
    ['scroll', 'an xterm scrolling with COPY_BITS'],
  ] as const) {
    it(`plays ${name} (${what}) to exactly the frame spice-gtk showed from the reference server`, async () => {
      server = await startServer({
        args: ['--replay', join(RECORDINGS, `${name}.spice.gz`), '--wait', '--log-format', 'json'],
      });
      const { frame } = await glibScreenshot({ port: server.port, idleMs: 1000, timeoutMs: 30_000 });
      expect(server.logs()).toMatch(/recording played/);
      expect(server.logs()).not.toMatch(/dropped a guest command/);
      const reference = readPng(readFileSync(join(RECORDINGS, `${name}.final.png`)));
      expect(assertFramesMatch(reference, frame, { name: `own-recording-${name}` }).differingPixels).toBe(0);
    });
  }
});
