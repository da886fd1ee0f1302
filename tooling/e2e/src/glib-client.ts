import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientError, E2eErrorCode } from './errors.js';
import { GLIB_CLIENT_SCRIPT } from './paths.js';
import { requirePeers } from './peers.js';
import { type RgbFrame, readPpm } from './ppm.js';
import { runProcess } from './run.js';

/** Exit codes of clients/glib_client.py. */
export const GlibClientExit = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Timeout: 3,
  AuthFailed: 4,
  Disconnected: 5,
} as const;
export type GlibClientExit = (typeof GlibClientExit)[keyof typeof GlibClientExit];

export interface GlibClientOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly port: number;
  /** The ticket. */
  readonly password?: string;
  /** The client gives up (exit 3) after this long; default 30 000 ms. The process is killed
   * 10 s later if it still has not exited. */
  readonly timeoutMs?: number;
  /** Quiet period that counts as "display idle"; default 500 ms, 0 = do not wait for quiet. */
  readonly idleMs?: number;
  /** Extra wait after the input, before waiting for idle again; default 0. */
  readonly waitMs?: number;
  /** Text to type (ASCII, US layout; "\n" Enter, "\t" Tab), passed through literally. */
  readonly type?: string;
  /** Click here once idle (button 1 left, 2 middle, 3 right; default 1). */
  readonly click?: { readonly x: number; readonly y: number; readonly button?: number };
  /** Send this many pointer moves and report the motion acks (use >= 16 to see "stuck"). */
  readonly motion?: number;
  /** Write the final primary surface here. */
  readonly png?: string;
  readonly ppm?: string;
}

/** Milliseconds since the client started connecting; a key is absent when it never happened. */
export interface GlibClientTimings {
  readonly connected_ms?: number;
  readonly mouse_mode_ms?: number;
  readonly first_primary_ms?: number;
  readonly mark_ms?: number;
  readonly idle_ms?: number;
  readonly input_start_ms?: number;
  readonly input_end_ms?: number;
  readonly idle_after_input_ms?: number;
  readonly done_ms?: number;
  readonly total_ms: number;
}

export interface GlibClientMotion {
  /** Moves requested. */
  readonly sent: number;
  /** MOUSE_MOTION_ACKs a correct server sends for them and the probe move (one per 4). */
  readonly acks_expected: number;
  /** Acks seen (estimated from the inputs socket counters), null when the numbers do not fit. */
  readonly acks: number | null;
  /** Bytes the server sent on the inputs channel meanwhile. */
  readonly bytes_in: number;
  /** Messages that left the client during the burst (moves, plus any pong). */
  readonly messages_out: number;
  /** Some moves of the burst had to wait for acks (slow or missing MOUSE_MOTION_ACK). */
  readonly withheld: boolean;
  /** A probe move sent after waiting for acks could not leave: the mouse is stuck. */
  readonly stuck: boolean;
}

export interface GlibClientInput {
  readonly mouse_mode?: 'server' | 'client' | null;
  readonly motion?: GlibClientMotion;
  readonly click?: { readonly x: number; readonly y: number; readonly button: number };
  readonly typed?: number;
  /** display-invalidate signals after the input started. */
  readonly invalidates: number;
}

/** The JSON line glib_client.py prints (snake_case as printed), plus its stderr. */
export interface GlibClientResult {
  readonly ok: boolean;
  readonly exit_code: GlibClientExit;
  readonly host: string;
  readonly port: number;
  /** Channels that opened, e.g. ["main:0", "display:0", "inputs:0", "cursor:0"]. */
  readonly channels: readonly string[];
  readonly mouse_mode: 'server' | 'client' | null;
  readonly width: number | null;
  readonly height: number | null;
  /** SPICE_SURFACE_FMT_* of the primary surface (32 = xRGB). */
  readonly surface_format: number | null;
  /** Whether a primary surface was received. */
  readonly primary: boolean;
  /** Whether SPICE_MSG_DISPLAY_MARK was received. */
  readonly mark: boolean;
  readonly invalidates: number;
  readonly invalidated_pixels: number;
  /** total-read-bytes per channel. */
  readonly bytes: Readonly<Record<string, number>>;
  readonly bytes_total: number;
  readonly timings: GlibClientTimings;
  readonly input: GlibClientInput | null;
  readonly image: { readonly png: string | null; readonly ppm: string | null } | null;
  readonly auth_failed: boolean;
  readonly disconnected: boolean;
  readonly timed_out: boolean;
  readonly errors: readonly string[];
  /** What the client (spice-gtk) printed on stderr. */
  readonly stderr: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 10_000;

/**
 * Runs clients/glib_client.py with /usr/bin/python3 and returns its JSON report. Resolves for
 * every outcome the client reports itself (check `ok`, `exit_code`, `auth_failed`, ...); rejects
 * with ClientError only when it printed no report (bad arguments, crash, killed).
 */
export async function runGlibClient(options: GlibClientOptions): Promise<GlibClientResult> {
  const { python } = requirePeers();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const args = [GLIB_CLIENT_SCRIPT, ...glibClientArgs(options)];
  const run = await runProcess(python, args, { timeoutMs: timeoutMs + KILL_GRACE_MS });
  const line = run.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) {
    const why = run.timedOut
      ? `killed after ${timeoutMs + KILL_GRACE_MS} ms without a report`
      : `exited with ${run.code ?? run.signal} without a report`;
    throw new ClientError(run.timedOut ? E2eErrorCode.ClientTimeout : E2eErrorCode.ClientFailed, 'glib-client', why, {
      exitCode: run.code,
      stderr: run.stderr + run.stdout,
    });
  }
  let parsed: Omit<GlibClientResult, 'stderr'>;
  try {
    parsed = JSON.parse(line) as Omit<GlibClientResult, 'stderr'>;
  } catch (cause) {
    throw new ClientError(E2eErrorCode.ClientFailed, 'glib-client', `printed a bad report: ${line.slice(0, 200)}`, {
      exitCode: run.code,
      stderr: run.stderr,
      cause,
    });
  }
  return { ...parsed, stderr: run.stderr };
}

/** The command-line arguments for `options` (exported for tests and for logging). */
export function glibClientArgs(options: GlibClientOptions): string[] {
  const args = ['--host', options.host ?? '127.0.0.1', '--port', String(options.port)];
  if (options.password !== undefined) args.push('--password', options.password);
  args.push('--timeout', String((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000));
  if (options.idleMs !== undefined) args.push('--idle-ms', String(options.idleMs));
  if (options.waitMs !== undefined) args.push('--wait-ms', String(options.waitMs));
  // the script decodes backslash escapes; escape ours so the text is typed literally
  if (options.type !== undefined) args.push('--type', options.type.replace(/\\/g, '\\\\'));
  if (options.click) {
    const { x, y, button } = options.click;
    args.push('--click', button === undefined ? `${x},${y}` : `${x},${y},${button}`);
  }
  if (options.motion !== undefined) args.push('--motion', String(options.motion));
  if (options.png !== undefined) args.push('--png', options.png);
  if (options.ppm !== undefined) args.push('--ppm', options.ppm);
  return args;
}

/**
 * Connects with glib_client.py, waits for the display to be idle (after any input in
 * `options`), and returns the primary surface as RGB together with the report. Rejects with
 * ClientError when the client did not succeed: code ERR_E2E_AUTH_FAILED, ERR_E2E_CLIENT_TIMEOUT,
 * ERR_E2E_DISCONNECTED or ERR_E2E_CLIENT_FAILED, with the report's errors and stderr.
 */
export async function glibScreenshot(
  options: Omit<GlibClientOptions, 'ppm'>,
): Promise<{ frame: RgbFrame; result: GlibClientResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'spice-ts-glib-'));
  try {
    const ppm = join(dir, 'screen.ppm');
    const result = await runGlibClient({ ...options, ppm });
    if (!result.ok) throw clientFailure(result);
    const frame = readPpm(readFileSync(ppm));
    return { frame: { width: frame.width, height: frame.height, rgb: frame.rgb.slice() }, result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ClientError that describes a failed report. */
export function clientFailure(result: GlibClientResult): ClientError {
  const code =
    result.exit_code === GlibClientExit.AuthFailed
      ? E2eErrorCode.AuthFailed
      : result.exit_code === GlibClientExit.Timeout
        ? E2eErrorCode.ClientTimeout
        : result.exit_code === GlibClientExit.Disconnected
          ? E2eErrorCode.Disconnected
          : E2eErrorCode.ClientFailed;
  const summary = `exit ${result.exit_code} from ${result.host}:${result.port}: ${result.errors.join('; ') || 'no error text'} (channels: ${result.channels.join(', ') || 'none'}, primary: ${result.primary})`;
  return new ClientError(code, 'glib-client', summary, { exitCode: result.exit_code, stderr: result.stderr });
}
