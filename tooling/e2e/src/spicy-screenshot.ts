import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientError, E2eErrorCode, isPpmFormatError } from './errors.js';
import { requirePeers } from './peers.js';
import { type RgbFrame, readPpm } from './ppm.js';
import { runProcess } from './run.js';

export { readPpm } from './ppm.js';

export interface ScreenshotOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly port: number;
  /** The ticket (spicy-screenshot -w). */
  readonly password?: string;
  /** Kill the client after this long; default 20 000 ms. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * Takes a screenshot with spice-gtk's `spicy-screenshot -h HOST -p PORT [-w PASSWORD] -o FILE`:
 * it connects, waits for the primary surface (32-bit xRGB only) and writes it as a P6 PPM at the
 * FIRST display-invalidate, i.e. after the first drawing, not once the screen is settled (use
 * runGlibClient / glibScreenshot for "after idle"). Resolves with the frame; rejects with
 * ClientError (code
 * ERR_E2E_CLIENT_TIMEOUT when it ran past `timeoutMs`, ERR_E2E_CLIENT_FAILED otherwise) whose
 * message carries the client's stderr.
 */
export async function takeScreenshot(options: ScreenshotOptions): Promise<RgbFrame> {
  const { spicyScreenshot } = requirePeers();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dir = mkdtempSync(join(tmpdir(), 'spice-ts-shot-'));
  const out = join(dir, 'screen.ppm');
  const args = ['-h', options.host ?? '127.0.0.1', '-p', String(options.port), '-o', out];
  if (options.password !== undefined) args.push('-w', options.password);
  try {
    const run = await runProcess(spicyScreenshot, args, { timeoutMs, cwd: dir });
    const what = `${options.host ?? '127.0.0.1'}:${options.port}`;
    if (run.timedOut) {
      throw new ClientError(
        E2eErrorCode.ClientTimeout,
        'spicy-screenshot',
        `no screenshot from ${what} within ${timeoutMs} ms`,
        {
          exitCode: null,
          stderr: run.stderr,
        },
      );
    }
    if (run.code !== 0) {
      throw new ClientError(
        E2eErrorCode.ClientFailed,
        'spicy-screenshot',
        `exited with ${run.code ?? run.signal} for ${what}`,
        { exitCode: run.code, stderr: run.stderr },
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(out);
    } catch (cause) {
      throw new ClientError(E2eErrorCode.ClientFailed, 'spicy-screenshot', 'exited 0 but wrote no image', {
        exitCode: run.code,
        stderr: run.stderr,
        cause,
      });
    }
    try {
      const frame = readPpm(bytes);
      return { width: frame.width, height: frame.height, rgb: frame.rgb.slice() };
    } catch (cause) {
      if (!isPpmFormatError(cause)) throw cause;
      throw new ClientError(E2eErrorCode.ClientFailed, 'spicy-screenshot', `wrote a bad image: ${cause.message}`, {
        exitCode: run.code,
        stderr: run.stderr,
        cause,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
