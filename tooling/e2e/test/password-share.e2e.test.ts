import { type App, createLogger, DEFAULT_CONFIG, startApp } from '@spice-ts/server-app';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertFramesMatch,
  freePort,
  GlibClientExit,
  glibScreenshot,
  type Html5Session,
  openHtml5,
  runGlibClient,
} from '../src/index.js';
import { appFrame } from './support/app-frame.js';

let app: App | null = null;
let session: Html5Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
  await app?.close();
  app = null;
});

describe('tickets with a real spice-gtk client', () => {
  it('lets the right password in, and refuses a wrong one with spice-gtk reporting an auth failure', async () => {
    app = await startApp(
      {
        ...DEFAULT_CONFIG,
        port: await freePort(),
        password: 'topsecret',
        demo: { ...DEFAULT_CONFIG.demo, animate: false },
      },
      createLogger('silent', 'json'),
    );
    const good = await runGlibClient({ port: app.address.port, password: 'topsecret', idleMs: 300 });
    expect(good.ok).toBe(true);
    expect(good.channels).toEqual(expect.arrayContaining(['main:0', 'display:0', 'inputs:0', 'cursor:0']));
    const bad = await runGlibClient({ port: app.address.port, password: 'guess', idleMs: 300, timeoutMs: 10_000 });
    expect(bad.ok).toBe(false);
    expect(bad.exit_code).toBe(GlibClientExit.AuthFailed);
    expect(app.server.counters.authFailures).toBeGreaterThan(0);
  });
});

describe('--clients share with spice-gtk and spice-html5 side by side', () => {
  it('both viewers see the same picture, and what one types the other sees', async () => {
    app = await startApp(
      { ...DEFAULT_CONFIG, port: await freePort(), clients: 'share', demo: { ...DEFAULT_CONFIG.demo, animate: false } },
      createLogger('silent', 'json'),
    );
    session = await openHtml5(`http://127.0.0.1:${app.address.port}/`);
    const inBrowser = await session.frame({ quietMs: 1000 });
    expect(inBrowser).not.toBeNull();
    expect(assertFramesMatch(await appFrame(app), inBrowser!, { name: 'share-html5' }).differingPixels).toBe(0);
    // spice-gtk types while the browser stays connected; then both must show the new picture.
    const { frame } = await glibScreenshot({ port: app.address.port, type: 'shared', idleMs: 500, waitMs: 300 });
    expect(app.guest!.scene.typedText).toBe('shared');
    const now = await appFrame(app);
    expect(assertFramesMatch(now, frame, { name: 'share-gtk' }).differingPixels).toBe(0);
    const browserAfter = await session.frame({ quietMs: 1000 });
    expect(assertFramesMatch(now, browserAfter!, { name: 'share-html5-after' }).differingPixels).toBe(0);
  });
});
