// Dev-only: checks the harness against Xspice. Started by try-against-xspice.sh, which sets
// XSPICE_* and starts Xspice, an xterm and the MOUSE_MOTION_ACK-dropping relay.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ClientError,
  compareFrames,
  E2eErrorCode,
  encodePng,
  glibScreenshot,
  isClientError,
  runGlibClient,
  takeScreenshot,
} from '../src/index.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run scripts/try-against-xspice.sh`);
  return value;
};
const display = env('XSPICE_DISPLAY');
const port = Number(env('XSPICE_PORT'));
const relayPort = Number(env('XSPICE_RELAY_PORT'));
const password = env('XSPICE_PASSWORD');
const out = env('XSPICE_OUT');

const show = (what: string, value: unknown): void => {
  console.log(`[xspice] ${what}: ${JSON.stringify(value)}`);
};

const pointer = (): string =>
  execFileSync('xdotool', ['getmouselocation'], { env: { ...process.env, DISPLAY: display }, encoding: 'utf8' }).trim();

async function waitForFile(path: string, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.endsWith('\n')) return text;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} did not appear within ${timeoutMs} ms`);
}

describe('harness against Xspice', () => {
  it('spicy-screenshot takes a 1024x768 screenshot with the ticket', async () => {
    const frame = await takeScreenshot({ port, password, timeoutMs: 15_000 });
    writeFileSync(join(out, 'spicy-screenshot.png'), encodePng(frame));
    show('spicy-screenshot', { width: frame.width, height: frame.height });
    expect(frame).toMatchObject({ width: 1024, height: 768 });
  });

  it('spicy-screenshot fails without the ticket', async () => {
    const error = await takeScreenshot({ port, timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(isClientError(error)).toBe(true);
    show('spicy-screenshot without ticket', {
      code: (error as ClientError).code,
      stderr: (error as ClientError).stderr.trim(),
    });
    expect((error as ClientError).code).toBe(E2eErrorCode.ClientFailed);
  });

  it('glib_client reports a wrong ticket as an auth failure (exit 4)', async () => {
    const result = await runGlibClient({ port, password: 'wrong', timeoutMs: 15_000 });
    show('glib_client wrong ticket', result);
    expect(result.auth_failed).toBe(true);
    expect(result.exit_code).toBe(4);
  });

  it('glib_client sees the same picture as spicy-screenshot once idle', async () => {
    const { frame, result } = await glibScreenshot({ port, password, timeoutMs: 20_000 });
    show('glib_client screenshot', result);
    writeFileSync(join(out, 'glib-client.png'), encodePng(frame));
    const reference = await takeScreenshot({ port, password, timeoutMs: 15_000 });
    const cmp = compareFrames(reference, frame);
    show('spicy-screenshot vs glib_client', cmp);
    expect(result.channels).toEqual(expect.arrayContaining(['main:0', 'display:0', 'inputs:0']));
    expect(result.mark).toBe(true);
    expect(cmp.differingPixels).toBe(0);
  });

  it('glib_client --click moves the X pointer there', async () => {
    const result = await runGlibClient({ port, password, click: { x: 321, y: 123 }, timeoutMs: 20_000 });
    show('glib_client --click', { mouse_mode: result.mouse_mode, input: result.input, pointer: pointer() });
    expect(result.ok).toBe(true);
    expect(pointer()).toMatch(/^x:321 y:123 /);
  });

  it('glib_client --type types into the xterm, shifted characters included', async () => {
    const file = join(out, 'typed.txt');
    rmSync(file, { force: true });
    const text = 'Ab1 ~!@#$%^&*()_+{}|:"<>? -=[]\\;,./`';
    // focus follows the pointer: click into the xterm first
    const result = await runGlibClient({
      port,
      password,
      click: { x: 200, y: 150 },
      type: `echo '${text}' > ${file}\n`,
      timeoutMs: 30_000,
    });
    show('glib_client --type', { ok: result.ok, input: result.input, timings: result.timings });
    expect(result.ok).toBe(true);
    expect(await waitForFile(file, 5_000)).toBe(`${text}\n`);
  });

  it('glib_client --motion sees every MOUSE_MOTION_ACK from Xspice', async () => {
    const result = await runGlibClient({ port, password, motion: 40, timeoutMs: 20_000 });
    show('glib_client --motion 40', result.input);
    expect(result.input?.motion).toMatchObject({ sent: 40, stuck: false, withheld: false, acks: 10 });
  });

  it('glib_client --motion reports a stuck mouse when the acks are swallowed', async () => {
    const result = await runGlibClient({ port: relayPort, password, motion: 40, timeoutMs: 20_000 });
    show('glib_client --motion 40 through the ack-dropping relay', result.input);
    expect(result.input?.motion).toMatchObject({ sent: 40, stuck: true, withheld: true, messages_out: 8 });
  });
});
