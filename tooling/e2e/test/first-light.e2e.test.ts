import { connect } from 'node:net';
import { type App, createLogger, DEFAULT_CONFIG, startApp } from '@spice-ts/server-app';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertFramesMatch, freePort, glibScreenshot, runGlibClient, takeScreenshot } from '../src/index.js';
import { appFrame } from './support/app-frame.js';

// One server with the built-in demo guest, in this process, so that each test can read the
// frame the server holds and what the guest saw. The clients are the real spice-gtk ones.
let app: App;

beforeAll(async () => {
  const port = await freePort();
  app = await startApp(
    { ...DEFAULT_CONFIG, port, linkTimeoutMs: 1000, demo: { ...DEFAULT_CONFIG.demo, animate: false } },
    createLogger('silent', 'json'),
  );
});

afterAll(async () => {
  await app?.close();
});

/** The server's own picture of the primary surface, once the guest's drawing has been processed. */
describe('first light with real clients', () => {
  it('spicy-screenshot gets the demo desktop exactly as the server holds it', async () => {
    const expected = await appFrame(app);
    const shot = await takeScreenshot({ port: app.address.port });
    expect([shot.width, shot.height]).toEqual([1024, 768]);
    const result = assertFramesMatch(expected, shot, { name: 'spicy-screenshot' });
    expect(result.differingPixels).toBe(0);
  });

  it('SpiceClientGLib opens main, display, inputs and cursor and becomes ready (MARK) on a lossless picture', async () => {
    const expected = await appFrame(app);
    const { result, frame } = await glibScreenshot({ port: app.address.port, idleMs: 300 });
    expect(result.ok).toBe(true);
    expect(result.mark).toBe(true);
    expect(result.primary).toBe(true);
    expect([...result.channels].sort()).toEqual(['cursor:0', 'display:0', 'inputs:0', 'main:0']);
    expect(assertFramesMatch(expected, frame, { name: 'glib-idle' }).differingPixels).toBe(0);
  });

  it('keys typed and a click through SpiceClientGLib reach the guest, and the picture follows', async () => {
    const clicksBefore = app.guest!.scene.clicks.length;
    const result = await runGlibClient({
      port: app.address.port,
      type: 'Hello, spice-ts!',
      click: { x: 700, y: 420 },
      idleMs: 300,
      waitMs: 300,
    });
    expect(result.ok).toBe(true);
    expect(app.guest!.scene.typedText).toBe('Hello, spice-ts!');
    const clicks = app.guest!.scene.clicks.slice(clicksBefore);
    expect(clicks).toContainEqual(expect.objectContaining({ x: 700, y: 420, button: 1 }));
    // The typed text and the paint mark are now in the server's frame, and a new client sees them.
    const expected = await appFrame(app);
    const shot = await takeScreenshot({ port: app.address.port });
    expect(assertFramesMatch(expected, shot, { name: 'after-input' }).differingPixels).toBe(0);
  });

  it('acknowledges pointer motion so the client mouse never gets stuck', async () => {
    const result = await runGlibClient({ port: app.address.port, motion: 40, idleMs: 200 });
    expect(result.ok).toBe(true);
    expect(result.input?.motion?.stuck).toBe(false);
    expect(
      app.server.inputsChannel.counters.motions + app.server.inputsChannel.counters.positions,
    ).toBeGreaterThanOrEqual(40);
  });
});

describe('bad input never takes the server down', () => {
  const raw = (bytes: Uint8Array | null, closeAfterMs: number) =>
    new Promise<void>((resolve) => {
      const s = connect(app.address.port, '127.0.0.1', () => {
        if (bytes) s.write(bytes);
        setTimeout(() => s.destroy(), closeAfterMs);
      });
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });

  it('drops garbage, a half-sent link message and a silent client; the next client connects fine', async () => {
    const before = { ...app.server.counters };
    await raw(
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff),
      200,
    ); // garbage
    await raw(Uint8Array.of(0x52, 0x45, 0x44, 0x51, 2, 0, 0, 0, 2, 0, 0, 0, 26, 0, 0, 0, 0, 0), 100); // closes mid-message
    await raw(null, 1500); // says nothing; the link timeout (1 s) drops it
    const after = app.server.counters;
    expect(after.rejected - before.rejected).toBeGreaterThanOrEqual(3);
    const expected = await appFrame(app);
    const shot = await takeScreenshot({ port: app.address.port });
    expect(assertFramesMatch(expected, shot, { name: 'after-bad-input' }).differingPixels).toBe(0);
  });

  it('closes only the channel that sends a malformed message', async () => {
    const before = app.server.counters.badInput;
    // A full link as spice-gtk does it is long; instead drive glib's session and meanwhile hit the
    // server with an oversized main-channel header on a raw connection that linked nothing.
    await raw(Uint8Array.of(0x52, 0x45, 0x44, 0x51, 2, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0, 0), 200);
    expect(app.server.counters.badInput).toBeGreaterThan(before);
    const result = await runGlibClient({ port: app.address.port, idleMs: 200 });
    expect(result.ok).toBe(true);
  });
});
