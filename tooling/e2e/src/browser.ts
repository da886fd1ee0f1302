/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PeerMissingError } from './errors.js';
import type { BgrxFrame } from './frames.js';

/** Debian's chromium (package `chromium`), driven through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';
/** Debian's spice-html5 web client (package `spice-html5`). */
export const SPICE_HTML5_DIR = '/usr/share/spice-html5';

export interface Html5Session {
  readonly browser: Browser;
  readonly page: Page;
  /** What the page printed on its console (spice-html5 logs its errors there). */
  readonly console: string[];
  /**
   * The primary surface as spice-html5 shows it (its canvas), once it has not changed for
   * `quietMs`; null if no surface appeared within `timeoutMs`.
   */
  frame(options?: { quietMs?: number; timeoutMs?: number }): Promise<BgrxFrame | null>;
  close(): Promise<void>;
}

/** Fails with the Debian packages to install when chromium or spice-html5 is missing. */
export function requireBrowserPeers(): void {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push({ peer: CHROMIUM, debianPackage: 'chromium', detail: 'not installed' });
  if (!existsSync(SPICE_HTML5_DIR))
    missing.push({ peer: SPICE_HTML5_DIR, debianPackage: 'spice-html5', detail: 'not installed' });
  if (missing.length > 0) throw new PeerMissingError(missing);
}

/** Opens `url` (a page of ours or spice-html5's that connects to the server) in headless chromium. */
export async function openHtml5(url: string): Promise<Html5Session> {
  requireBrowserPeers();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1024 } });
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(url);
  const grab = async (): Promise<BgrxFrame | null> => {
    const raw = await page.evaluate(() => {
      const canvas = document.getElementById('spice_surface_0') as HTMLCanvasElement | null;
      if (!canvas || canvas.width === 0) return null;
      const ctx = canvas.getContext('2d');
      if (!ctx) return null;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      // RGBA → base64 of B, G, R, X: the frame format the harness compares.
      const out = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i += 4) {
        out[i] = data[i + 2]!;
        out[i + 1] = data[i + 1]!;
        out[i + 2] = data[i]!;
        out[i + 3] = 0;
      }
      let s = '';
      for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
      return { width: canvas.width, height: canvas.height, b64: btoa(s) };
    });
    if (!raw) return null;
    const bgrx = new Uint8Array(Buffer.from(raw.b64, 'base64'));
    return { width: raw.width, height: raw.height, stride: raw.width * 4, bgrx };
  };
  return {
    browser,
    page,
    console: consoleLines,
    async frame({ quietMs = 1000, timeoutMs = 30_000 } = {}) {
      const end = Date.now() + timeoutMs;
      let last: BgrxFrame | null = null;
      let since = Date.now();
      while (Date.now() < end) {
        const now = await grab();
        const same =
          now !== null && last !== null && now.width === last.width && Buffer.compare(now.bgrx, last.bgrx) === 0;
        if (!same) since = Date.now();
        last = now;
        if (last && Date.now() - since >= quietMs) return last;
        await new Promise((r) => setTimeout(r, 200));
      }
      return last;
    },
    async close() {
      await browser.close();
    },
  };
}
