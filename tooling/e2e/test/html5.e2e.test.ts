import { type App, createLogger, DEFAULT_CONFIG, startApp } from '@spice-ts/server-app';
import { afterEach, describe, expect, it } from 'vitest';
import { assertFramesMatch, freePort, type Html5Session, openHtml5 } from '../src/index.js';
import { appFrame } from './support/app-frame.js';

// spice-html5 (Debian's package) in Debian's chromium, served by our server on its own port and
// connected back over WebSocket on that same port: no proxy in between.
let app: App | null = null;
let session: Html5Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
  await app?.close();
  app = null;
});

// Our own page at / (it loads spice-html5's modules), and spice-html5's spice_auto.html.
describe.each([
  ['auto_glz', '/'],
  ['lz', '/spice_auto.html'],
  ['quic', '/'],
] as const)('spice-html5 in chromium, image compression %s, page %s', (mode, page) => {
  it('shows the demo guest exactly as the server holds it, and the guest gets what is typed', async () => {
    app = await startApp(
      {
        ...DEFAULT_CONFIG,
        port: await freePort(),
        imageCompression: mode,
        demo: { ...DEFAULT_CONFIG.demo, animate: false },
      },
      createLogger(process.env.H5_LOG ?? 'silent', 'json'),
    );
    session = await openHtml5(`http://127.0.0.1:${app.address.port}${page}`);
    const shown = await session.frame({ quietMs: 1000, timeoutMs: 30_000 });
    if (!shown) {
      const status = await session.page.locator('body').textContent();
      throw new Error(
        `no surface in the page (${(status ?? '').slice(0, 200)}); console:\n${session.console.join('\n')}`,
      );
    }
    expect(assertFramesMatch(await appFrame(app), shown!, { name: `html5-${mode}` }).differingPixels).toBe(0);
    expect(app.worker.imageCounts.glz ?? 0).toBe(0); // spice-html5 has no GLZ dictionary

    await session.page.locator('#spice-screen').click({ position: { x: 650, y: 450 } });
    await session.page.keyboard.type('html5');
    const end = Date.now() + 10_000;
    while (app.guest!.scene.typedText !== 'html5' && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(app.guest!.scene.typedText).toBe('html5');
    const after = await session.frame({ quietMs: 1000 });
    expect(assertFramesMatch(await appFrame(app), after!, { name: `html5-${mode}-typed` }).differingPixels).toBe(0);
  });
});
