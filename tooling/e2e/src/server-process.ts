import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ServerStartError } from './errors.js';
import { freePort } from './free-port.js';
import { artifactsDir, REPO_ROOT, SERVER_ENTRY } from './paths.js';

export interface ServerProcessOptions {
  /** Default: a free port (freePort()). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly addr?: string;
  /** More command-line flags, after `--port P --addr A`. */
  readonly args?: readonly string[];
  /** Extra environment variables (added to this process's environment). */
  readonly env?: Readonly<Record<string, string>>;
  /** Default `<repo>/apps/server/dist/main.js`. */
  readonly entry?: string;
  /** Default: the repository root. */
  readonly cwd?: string;
  /** Give up starting after this long; default 15 000 ms. */
  readonly startTimeoutMs?: number;
  /** A log line that means "ready"; default /listening/i. The port accepting a connection
   * counts too, whichever comes first. */
  readonly readyPattern?: RegExp;
  /** Also write the output to `<repo>/.test-results/e2e/<logName>.log`; default "server-<port>". */
  readonly logName?: string;
}

export interface ServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly port: number;
  readonly addr: string;
  readonly pid: number;
  /** Where the output is also written. */
  readonly logFile: string;
  /** Everything the server printed so far (stdout and stderr interleaved). */
  logs(): string;
  /** Resolves with the first line printed from now on (or already printed, with `fromStart`)
   * that matches; rejects after `timeoutMs` (default 10 000) or when the server exits. */
  waitForLog(pattern: RegExp, options?: { timeoutMs?: number; fromStart?: boolean }): Promise<string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ServerExit>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `killAfterMs` (default 5 000); resolves with how it exited. */
  stop(options?: { killAfterMs?: number }): Promise<ServerExit>;
}

const DEFAULT_START_TIMEOUT_MS = 15_000;
const DEFAULT_KILL_AFTER_MS = 5_000;
const PORT_POLL_MS = 100;
/** The log line usually comes first; probing the port only later keeps a needless connection
 * (which the server logs as a failed link) out of the logs. */
const PORT_PROBE_DELAY_MS = 1_000;
/** Output kept in memory; older output stays in the log file. */
const MAX_LOG_CHARS = 8 * 1024 * 1024;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts the spice-ts binary as `node <entry> --port P --addr A ...args` and resolves once it is
 * ready (a log line matching `readyPattern`, or the port accepting connections). Rejects with
 * ServerStartError, carrying the output, when the binary is not built, exits, or does not get
 * ready in time. Servers still running when the test process exits are killed.
 */
export async function startServer(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const entry = options.entry ?? SERVER_ENTRY;
  if (!existsSync(entry)) {
    throw new ServerStartError(
      `${entry} does not exist: build the app first (pnpm exec turbo run build --filter=@spice-ts/server-app)`,
      '',
    );
  }
  const addr = options.addr ?? '127.0.0.1';
  const port = options.port ?? (await freePort(addr));
  const readyPattern = options.readyPattern ?? /listening/i;
  const logFile = join(artifactsDir(), `${options.logName ?? `server-${port}`}.log`);
  const log: WriteStream = createWriteStream(logFile);
  const args = [entry, '--port', String(port), '--addr', addr, ...(options.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);

  let output = '';
  let partial = '';
  const lineWaiters = new Set<(line: string) => void>();
  const onData = (chunk: string): void => {
    log.write(chunk);
    output += chunk;
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS / 2);
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const waiter of [...lineWaiters]) waiter(line);
  };
  child.stdout?.setEncoding('utf8').on('data', onData);
  child.stderr?.setEncoding('utf8').on('data', onData);

  let exitInfo: ServerExit | null = null;
  const exited = new Promise<ServerExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      running.delete(child);
      resolve(exitInfo);
    });
    child.once('error', (error) => {
      onData(`[harness] cannot start ${process.execPath}: ${error.message}\n`);
      exitInfo = { code: null, signal: null };
      running.delete(child);
      resolve(exitInfo);
    });
  });
  exited.then(() => {
    if (partial) for (const waiter of [...lineWaiters]) waiter(partial);
    log.end();
  });

  const waitForLog = (pattern: RegExp, opts: { timeoutMs?: number; fromStart?: boolean } = {}): Promise<string> =>
    new Promise((resolve, reject) => {
      if (opts.fromStart) {
        const hit = output.split('\n').find((l) => pattern.test(l));
        if (hit !== undefined) return resolve(hit);
      }
      const timeoutMs = opts.timeoutMs ?? 10_000;
      const done = (): void => {
        clearTimeout(timer);
        lineWaiters.delete(waiter);
      };
      const waiter = (line: string): void => {
        if (pattern.test(line)) {
          done();
          resolve(line);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no server log line matching ${pattern} within ${timeoutMs} ms`));
      }, timeoutMs);
      lineWaiters.add(waiter);
      exited.then((info) => {
        if (!lineWaiters.has(waiter)) return;
        done();
        reject(new Error(`server exited (${info.code ?? info.signal}) before logging ${pattern}`));
      });
    });

  const stop = async (opts: { killAfterMs?: number } = {}): Promise<ServerExit> => {
    if (exitInfo) return exitInfo;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? DEFAULT_KILL_AFTER_MS);
    const info = await exited;
    clearTimeout(killer);
    return info;
  };

  const server: ServerProcess = {
    port,
    addr,
    pid: child.pid ?? -1,
    logFile,
    logs: () => output,
    waitForLog,
    exited,
    hasExited: () => exitInfo !== null,
    stop,
  };

  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  let settled = false;
  const ready = await new Promise<'ready' | 'exited' | 'timeout'>((resolve) => {
    const finish = (how: 'ready' | 'exited' | 'timeout'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      lineWaiters.delete(onLine);
      resolve(how);
    };
    const onLine = (line: string): void => {
      if (readyPattern.test(line)) finish('ready');
    };
    const timer = setTimeout(() => finish('timeout'), startTimeoutMs);
    lineWaiters.add(onLine);
    if (output.split('\n').some((l) => readyPattern.test(l))) finish('ready');
    exited.then(() => finish('exited'));
    waitForPort(addr, port, () => settled).then((open) => open && finish('ready'));
  });
  if (ready === 'ready' && exitInfo === null) return server;

  await stop({ killAfterMs: 1_000 });
  const info = exitInfo as ServerExit | null;
  const why =
    ready === 'exited'
      ? `the server exited (${info?.code ?? info?.signal}) before it was ready`
      : `the server was not ready within ${startTimeoutMs} ms (no log line matching ${readyPattern}, port ${addr}:${port} closed)`;
  throw new ServerStartError(`${why}: node ${args.join(' ')}`, output);
}

/** Polls until `host:port` accepts a TCP connection (true) or `gaveUp()` (false). */
async function waitForPort(host: string, port: number, gaveUp: () => boolean): Promise<boolean> {
  await new Promise((r) => setTimeout(r, PORT_PROBE_DELAY_MS));
  while (!gaveUp()) {
    if (await canConnect(host, port)) return true;
    await new Promise((r) => setTimeout(r, PORT_POLL_MS));
  }
  return false;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.setTimeout(1_000, () => finish(false));
  });
}

function track(child: ChildProcess): void {
  running.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}
