import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type App, createLogger, DEFAULT_CONFIG, startApp } from '@spice-ts/server-app';
import { afterEach, describe, expect, it } from 'vitest';
import { artifactsDir, freePort, runGlibClient, runProcess, takeScreenshot } from '../src/index.js';

// Wireshark's SPICE dissector is an independent reading of the protocol: it must find nothing
// malformed in a session with our server (link, auth, main, display with LZ and QUIC images,
// cursor, inputs with keys, clicks and motion).
const TSHARK = '/usr/bin/tshark';

const apps: App[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function serve(imageCompression: 'lz' | 'quic'): Promise<App> {
  const app = await startApp(
    { ...DEFAULT_CONFIG, port: await freePort(), imageCompression, demo: { ...DEFAULT_CONFIG.demo, animate: false } },
    createLogger('silent', 'json'),
  );
  apps.push(app);
  return app;
}

describe('tshark', () => {
  it('dissects a whole session with our server without a single malformed packet', async () => {
    if (!existsSync(TSHARK))
      throw new Error(`${TSHARK} is missing: install the tshark package (tooling/scripts/install-peers.sh)`);
    const servers = [await serve('lz'), await serve('quic')];
    const ports = servers.map((s) => s.address.port);
    const pcap = join(artifactsDir('tshark'), 'session.pcapng');
    const capture = spawn(TSHARK, ['-i', 'lo', '-f', ports.map((p) => `tcp port ${p}`).join(' or '), '-w', pcap], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let captureLog = '';
    capture.stderr.setEncoding('utf8').on('data', (d: string) => {
      captureLog += d;
    });
    const end = Date.now() + 20_000;
    while (!/Capturing on/.test(captureLog)) {
      if (Date.now() > end || capture.exitCode !== null) throw new Error(`tshark did not start: ${captureLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const port of ports) {
      const result = await runGlibClient({
        port,
        type: 'tshark',
        click: { x: 650, y: 450 },
        motion: 20,
        idleMs: 300,
        waitMs: 200,
      });
      expect(result.ok).toBe(true);
      await takeScreenshot({ port });
    }
    await new Promise((r) => setTimeout(r, 500));
    const stopped = new Promise((r) => capture.once('exit', r));
    capture.kill('SIGINT');
    await stopped;

    const decode = ports.flatMap((p) => ['-d', `tcp.port==${p},spice`]);
    const read = (filter: string, ...fields: string[]) =>
      runProcess(TSHARK, ['-r', pcap, ...decode, '-Y', filter, ...fields], { timeoutMs: 60_000 });
    const malformed = await read('_ws.malformed || _ws.expert.severity >= "error"');
    expect(malformed.code).toBe(0);
    expect(malformed.stdout).toBe('');
    // And the dissector really read the session: links on every channel type and the messages
    // of each channel, in both directions.
    const all = await read('spice');
    expect(all.code).toBe(0);
    for (const seen of [
      'Client link message',
      'Server link message',
      'Server INIT',
      'Client ATTACH_CHANNELS',
      'Server CHANNELS_LIST',
      'Server DRAW_COPY',
      'Client KEY_DOWN',
      'Client MOUSE_PRESS',
      'Server MOUSE_MOTION_ACK',
    ]) {
      expect(all.stdout).toContain(seen);
    }
    const channels = new Set(all.stdout.match(/\b(MAIN|DISPLAY|INPUTS|CURSOR)\b/g));
    expect([...channels].sort()).toEqual(['CURSOR', 'DISPLAY', 'INPUTS', 'MAIN']);
  });
});
