import { type App, createLogger, DEFAULT_CONFIG, startApp } from '@spice-ts/server-app';
import { afterEach, describe, expect, it } from 'vitest';
import { assertFramesMatch, freePort, glibScreenshot, takeScreenshot } from '../src/index.js';
import { appFrame } from './support/app-frame.js';

// The server's encoders (LZ, QUIC, GLZ with the client's dictionary, LZ4, and the auto modes),
// decoded by spice-gtk's own decoders: the picture the client shows must equal the server's frame
// exactly.
let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

// Each mode, and the codecs that mode may use (the auto modes choose QUIC for photo-like images).
const MODES = [
  ['lz', ['lz']],
  ['quic', ['quic']],
  ['glz', ['glz']],
  ['lz4', ['lz4']],
  ['auto_glz', ['glz', 'quic']],
  ['auto_lz', ['lz', 'quic']],
] as const;
const sent = (app: App, kinds: readonly string[]) => kinds.reduce((n, k) => n + (app.worker.imageCounts[k] ?? 0), 0);

describe.each(MODES)('image compression %s', (mode, kinds) => {
  it(`spice-gtk decodes ${mode} images to the server's exact frame, at start and after live drawing`, async () => {
    app = await startApp(
      {
        ...DEFAULT_CONFIG,
        port: await freePort(),
        imageCompression: mode,
        demo: { ...DEFAULT_CONFIG.demo, animate: false },
      },
      createLogger('silent', 'json'),
    );
    const shot = await takeScreenshot({ port: app.address.port });
    expect(assertFramesMatch(await appFrame(app), shot, { name: `${mode}-start` }).differingPixels).toBe(0);
    const sentBefore = sent(app, kinds);
    expect(sentBefore).toBeGreaterThan(0); // the first picture went out with this codec
    // Live updates (typed text, a paint mark) go out as compressed DRAW_COPYs: the same client
    // that typed and clicked takes the picture once its display is quiet again.
    const { frame, result } = await glibScreenshot({
      port: app.address.port,
      type: 'compressed',
      click: { x: 650, y: 450 },
      idleMs: 300,
      waitMs: 200,
    });
    expect(result.input?.invalidates ?? 0).toBeGreaterThan(0);
    expect(assertFramesMatch(await appFrame(app), frame, { name: `${mode}-live` }).differingPixels).toBe(0);
    expect(sent(app, kinds)).toBeGreaterThan(sentBefore + 1); // live draws used it too
    expect(app.worker.imageCounts.bitmap).toBe(0);
    // /metrics has the encode times of what was sent, per codec.
    const metrics = await (await fetch(`http://127.0.0.1:${app.address.port}/metrics`)).text();
    const counted = kinds.some((k) =>
      new RegExp(`spice_image_encode_seconds_count\\{display="0",codec="${k}"\\} [1-9]`).test(metrics),
    );
    expect(
      counted,
      metrics
        .split('\n')
        .filter((l) => l.includes('encode'))
        .join('\n'),
    ).toBe(true);
    expect(app.guest!.scene.typedText).toBe('compressed');
  });
});
