import type { Logger } from '@spice-ts/channel';
import { DisplayWorker } from '@spice-ts/display';
import { createLoopStats, type LoopStats } from '@spice-ts/loop';
import {
  createGuestDriver,
  createQxlDevice,
  openReplayFile,
  type QxlDevice,
  type ReplayResult,
  replayRecording,
} from '@spice-ts/qxl';
import { createSpiceServer, type SpiceServer } from '@spice-ts/server';
import type { AppConfig } from './config.js';
import { DemoGuest } from './demo/demo-guest.js';

/** A running spice-ts: the QXL device with the demo guest driving it, its display worker, the server. */
export interface App {
  readonly config: AppConfig;
  readonly server: SpiceServer;
  readonly device: QxlDevice;
  readonly worker: DisplayWorker;
  /** The built-in demo guest; null when a recording is played instead. */
  readonly guest: DemoGuest | null;
  /** The recording being played (--replay): resolves when it has ended. */
  readonly replay: Promise<ReplayResult> | null;
  readonly stats: LoopStats;
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/**
 * Starts the whole stack: guest → QXL device → display worker → channels → sockets.
 * Rejects with a clear error (bad config, port in use) and leaves nothing running then.
 */
export async function startApp(config: AppConfig, logger: Logger): Promise<App> {
  const stats = createLoopStats();
  const device = createQxlDevice({ logger: logger.child({ component: 'qxl' }) });
  const worker = new DisplayWorker({ device, logger, stats, imageCompression: config.imageCompression });
  const guest = config.replay
    ? null
    : new DemoGuest({
        device,
        width: config.demo.width,
        height: config.demo.height,
        fps: config.demo.fps,
        animate: config.demo.animate,
        logger: logger.child({ component: 'demo-guest' }),
      });
  let server: SpiceServer | null = null;
  let replay: Promise<ReplayResult> | null = null;
  const abort = new AbortController();
  try {
    await guest?.start();
    server = createSpiceServer({
      host: config.host,
      port: config.port,
      password: config.password,
      passwordLifetimeSec: config.passwordLifetimeSec,
      disableTicketing: config.disableTicketing,
      clients: config.clients,
      name: config.name,
      linkTimeoutMs: config.linkTimeoutMs,
      netTest: config.netTest,
      ...(guest ? { keyboard: guest.keyboard, mouse: guest.mouse, tablet: guest.tablet } : {}),
      displays: [worker],
      ramHint: device.ram.byteLength,
      logger,
      stats,
    });
    const address = await server.listen();
    const running = server;
    if (config.replay) {
      const file = config.replay.file;
      const log = logger.child({ component: 'replay', file });
      log.info({ realtime: config.replay.realtime }, 'playing recording');
      const playing = replayRecording(openReplayFile(file), {
        driver: createGuestDriver(device),
        device,
        realtime: config.replay.realtime,
        signal: abort.signal,
        logger: log,
      });
      replay = playing;
      playing.then(
        (r) =>
          log.info(
            { commands: r.commands, cursorCommands: r.cursorCommands, ms: Math.round(r.elapsedMs) },
            'recording played',
          ),
        (error: unknown) =>
          log.error({ code: (error as { code?: string }).code, reason: (error as Error).message }, 'recording failed'),
      );
    }
    return {
      config,
      server: running,
      device,
      worker,
      guest,
      replay,
      stats,
      address,
      async close() {
        guest?.stop();
        abort.abort();
        await replay?.catch(() => undefined);
        await running.close();
      },
    };
  } catch (error) {
    guest?.stop();
    abort.abort();
    await server?.close();
    throw error;
  }
}
