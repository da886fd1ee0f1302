import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// Recordings of real QXL command streams made by the reference server, with the last frame a
// real spice-gtk client showed after the reference replayed them losslessly.
const RECORDINGS = join(REPO_ROOT, '..', 'shared', 'recordings');
const haveShared = existsSync(join(RECORDINGS, 'x11-apps.spice.xz'));
if (!haveShared) console.warn(`replay e2e: ${RECORDINGS} is not here; the reference recordings cannot be replayed`);

describe.skipIf(!haveShared)('spice-ts --replay', () => {
  let server: ServerProcess | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  it('plays the x11-apps recording to exactly the reference final frame, as spice-gtk shows it', async () => {
    server = await startServer({ args: ['--replay', join(RECORDINGS, 'x11-apps.spice.xz'), '--log-format', 'json'] });
    await server.waitForLog(/recording played/, { timeoutMs: 30_000 });
    const { frame, result } = await glibScreenshot({ port: server.port, idleMs: 1000, timeoutMs: 30_000 });
    expect(result.mark).toBe(true);
    const reference = readPng(readFileSync(join(RECORDINGS, 'x11-apps.final.png')));
    expect(assertFramesMatch(reference, frame, { name: 'replay-x11-apps' }).differingPixels).toBe(0);
  });

  it('plays the xterm-text recording (copies, fills, scrolls with COPY_BITS) to exactly the reference final frame', async () => {
    server = await startServer({ args: ['--replay', join(RECORDINGS, 'xterm-text.spice.xz'), '--log-format', 'json'] });
    await server.waitForLog(/recording played/, { timeoutMs: 60_000 });
    const { frame } = await glibScreenshot({ port: server.port, idleMs: 1000, timeoutMs: 30_000 });
    const reference = readPng(readFileSync(join(RECORDINGS, 'xterm-text.final.png')));
    expect(assertFramesMatch(reference, frame, { name: 'replay-xterm-text' }).differingPixels).toBe(0);
    expect(server.logs()).not.toMatch(/dropped a guest command/);
  });

  it('exits by itself with --exit-when-done once the recording has played', async () => {
    server = await startServer({
      args: ['--replay', join(RECORDINGS, 'x11-apps.spice.xz'), '--exit-when-done', '--log-format', 'json'],
    });
    const exit = await Promise.race([server.exited, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('with --wait, starts playing only when a display client is ready, and that client sees the whole recording', async () => {
    server = await startServer({
      args: ['--replay', join(RECORDINGS, 'x11-apps.spice.xz'), '--wait', '--log-format', 'json'],
    });
    await server.waitForLog(/waiting for a display client/, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(server.logs()).not.toMatch(/playing recording/);
    const { frame } = await glibScreenshot({ port: server.port, idleMs: 1000, timeoutMs: 30_000 });
    expect(server.logs()).toMatch(/recording played/);
    const reference = readPng(readFileSync(join(RECORDINGS, 'x11-apps.final.png')));
    expect(assertFramesMatch(reference, frame, { name: 'replay-wait-x11-apps' }).differingPixels).toBe(0);
  });

  it('records with --record what it replays, and the recording replays to the same reference frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spice-ts-record-'));
    const file = join(dir, 'x11-apps-again.spice.gz');
    try {
      server = await startServer({
        args: ['--replay', join(RECORDINGS, 'x11-apps.spice.xz'), '--record', file, '--exit-when-done'],
      });
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(server.logs()).toMatch(/recording written/);
      expect(statSync(file).size).toBeGreaterThan(1000);
      server = await startServer({ args: ['--replay', file, '--wait', '--log-format', 'json'] });
      const { frame } = await glibScreenshot({ port: server.port, idleMs: 1000, timeoutMs: 30_000 });
      expect(server.logs()).toMatch(/recording played/);
      const reference = readPng(readFileSync(join(RECORDINGS, 'x11-apps.final.png')));
      expect(assertFramesMatch(reference, frame, { name: 'replay-rerecorded-x11-apps' }).differingPixels).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a recording with a clear error and a non-zero exit', async () => {
    server = await startServer({
      args: ['--replay', join(REPO_ROOT, 'README.md'), '--exit-when-done', '--log-format', 'json'],
    });
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    expect(server.logs()).toMatch(/recording failed/);
    expect(server.logs()).toMatch(/ERR_QXL_REPLAY/);
  });
});
