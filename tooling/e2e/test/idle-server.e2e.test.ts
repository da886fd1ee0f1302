import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGlibClient, type ServerProcess, startServer } from '../src/index.js';

const HOOK = fileURLToPath(new URL('./fixtures/count-wakeups.mjs', import.meta.url));
const dump = join(tmpdir(), `spice-ts-wakeups-${process.pid}.json`);

/** Counts of callbacks the server's event loop entered so far, by async resource type. */
async function wakeups(server: ServerProcess): Promise<Record<string, number>> {
  rmSync(dump, { force: true });
  process.kill(server.pid, 'SIGUSR2');
  const end = Date.now() + 5000;
  for (;;) {
    try {
      return JSON.parse(readFileSync(dump, 'utf8')) as Record<string, number>;
    } catch {
      if (Date.now() > end) throw new Error('the server did not dump its wake-up counts');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('an idle server with a client connected', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      args: ['--no-demo-animation', '--log-format', 'json', '--log-level', 'info'],
      env: { NODE_OPTIONS: `--import ${HOOK}`, SPICE_TS_WAKEUP_FILE: dump },
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dump, { force: true });
  });

  it('wakes up for nothing but its own timers over 3 idle seconds', async () => {
    // A real spice-gtk client connects every channel and then stays connected, idle, for 6 s.
    const client = runGlibClient({ port: server.port, idleMs: 6000, timeoutMs: 20_000 });
    await server.waitForLog(/display client initialised/, { fromStart: true });
    await new Promise((r) => setTimeout(r, 1500)); // bring-up and the net test are over
    const before = await wakeups(server);
    await new Promise((r) => setTimeout(r, 3000));
    const after = await wakeups(server);
    const result = await client;
    expect(result.ok).toBe(true);
    expect(result.channels.length).toBe(4);
    const diff: Record<string, number> = {};
    for (const [type, n] of Object.entries(after)) {
      const d = n - (before[type] ?? 0);
      // SIGNALWRAP is the dump request itself.
      if (d > 0 && type !== 'SIGNALWRAP') diff[type] = d;
    }
    console.log(`idle server, 3 s with 4 channels connected: wake-ups by type ${JSON.stringify(diff)}`);
    // Display and cursor pings come every 15 s: at most one probe of each in the window.
    const { Timeout = 0, ...others } = diff;
    expect(others).toEqual({});
    expect(Timeout).toBeLessThanOrEqual(2);
  });
});
