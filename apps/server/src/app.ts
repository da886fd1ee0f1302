import { closeSync, createReadStream, openSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pipeline, Transform } from 'node:stream';
import type { Logger } from '@spice-ts/channel';
import { createEncoderPool } from '@spice-ts/codecs';
import { DisplayWorker } from '@spice-ts/display';
import { createLoopStats, type LoopStats } from '@spice-ts/loop';
import { ChannelType } from '@spice-ts/protocol';
import {
  createGuestDriver,
  createQxlDevice,
  createReplayReader,
  createReplayRecorder,
  type QxlDevice,
  type ReplayRecorder,
  type ReplayResult,
  replayRecording,
} from '@spice-ts/qxl';
import { createSpiceServer, type SpiceServer, type SpiceServerAddress } from '@spice-ts/server';
import type { AppConfig, ChannelName } from './config.js';
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
  /** How far the replay is (null without --replay). */
  readonly replayProgress: ReplayProgress | null;
  readonly stats: LoopStats;
  readonly address: SpiceServerAddress;
  close(): Promise<void>;
}

export interface ReplayProgress {
  /** waiting: for a display client (--wait); playing; done (ended, failed or stopped). */
  state: 'waiting' | 'playing' | 'done';
  fileBytes: number;
  /** Bytes of the file read so far (compressed bytes for .gz/.xz). */
  bytesRead: number;
  /** Bytes of the recording played so far (decompressed). */
  playedBytes: number;
  events: number;
  commands: number;
}

/** The channel type of a --secure-channels name. */
function channelType(name: ChannelName): number {
  const key = (name.charAt(0).toUpperCase() + name.slice(1)) as keyof typeof ChannelType;
  return ChannelType[key];
}

/** Opens a recording for the replay, counting the bytes read; a clear error if it cannot. */
function openCountedReplay(file: string, progress: ReplayProgress) {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (error) {
    throw new Error(`cannot read the --replay file ${file}: ${(error as Error).message}`);
  }
  progress.fileBytes = size;
  const counted = new Transform({
    highWaterMark: 1 << 16,
    transform(chunk: Uint8Array, _encoding, done) {
      progress.bytesRead += chunk.byteLength;
      done(null, chunk);
    },
  });
  // Small buffers keep the share read close to the share played. Errors of the file stream reach
  // the reader through the transform.
  pipeline(createReadStream(file, { highWaterMark: 1 << 16 }), counted, () => {});
  return createReplayReader(counted);
}

/** Finishes the recording file (flushes and closes it); a failure is logged, not thrown. */
async function stopRecording(recorder: ReplayRecorder | null, logger: Logger): Promise<void> {
  if (!recorder) return;
  try {
    await recorder.stop();
    const s = recorder.writer.stats;
    logger.info({ ...s }, 'recording written');
  } catch (error) {
    logger.error({ reason: (error as Error).message }, 'recording could not be finished');
  }
}

/** Resolves when a display client is ready, or rejects when `signal` aborts first. */
function clientReadyOrAbort(worker: DisplayWorker, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('stopped before a display client connected'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    worker.whenClientReady().then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/**
 * Starts the whole stack: guest → QXL device → display worker → channels → sockets.
 * Rejects with a clear error (bad config, port in use) and leaves nothing running then.
 */
export async function startApp(config: AppConfig, logger: Logger): Promise<App> {
  const stats = createLoopStats();
  const device = createQxlDevice({ logger: logger.child({ component: 'qxl' }) });
  // Large stateless encodes (QUIC, LZ, LZ4 of 256x256 and up) run in encoder threads, so that one
  // big image never holds the event loop.
  const encoderPool = createEncoderPool({ threads: Math.max(1, Math.min(4, availableParallelism() - 1)) });
  const worker = new DisplayWorker({
    device,
    logger,
    stats,
    imageCompression: config.imageCompression,
    encoderPool,
  });
  // Recording starts before any guest touches the device, so the file holds the whole session.
  let recorder: ReplayRecorder | null = null;
  if (config.record) {
    try {
      closeSync(openSync(config.record, 'w')); // a clear error now, not a stream error later
      recorder = createReplayRecorder(device, config.record, { logger: logger.child({ component: 'record' }) });
    } catch (error) {
      throw new Error(`cannot record to ${config.record}: ${(error as Error).message}`);
    }
    logger.info({ file: config.record }, 'recording the guest commands');
  }
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
  const progress: ReplayProgress | null = config.replay
    ? {
        state: config.replay.wait ? 'waiting' : 'playing',
        fileBytes: 0,
        bytesRead: 0,
        playedBytes: 0,
        events: 0,
        commands: 0,
      }
    : null;
  const abort = new AbortController();
  try {
    await guest?.start();
    server = createSpiceServer({
      host: config.host,
      port: config.port,
      ...(config.tlsPort !== null && config.tls
        ? {
            tlsPort: config.tlsPort,
            tls: { cert: config.tls.cert, key: config.tls.key, ...(config.tls.ca ? { ca: config.tls.ca } : {}) },
          }
        : {}),
      ...(config.unixSocket !== null ? { unixSocket: config.unixSocket } : {}),
      ...(config.sasl ? { sasl: { users: config.sasl.users, mechanisms: config.sasl.mechanisms } } : {}),
      secureChannels: config.secureChannels.map(channelType),
      http: config.http,
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
    if (config.replay && progress) {
      const { file, realtime, wait } = config.replay;
      const log = logger.child({ component: 'replay', file });
      const reader = openCountedReplay(file, progress);
      const playing = (async () => {
        if (wait) {
          log.info({}, 'waiting for a display client before playing the recording');
          await clientReadyOrAbort(worker, abort.signal);
        }
        progress.state = 'playing';
        log.info({ realtime }, 'playing recording');
        return replayRecording(reader, {
          driver: createGuestDriver(device),
          device,
          realtime,
          signal: abort.signal,
          logger: log,
          onEvent: (event) => {
            progress.events += 1;
            progress.playedBytes = reader.offset;
            if (event.what === 'command') progress.commands += 1;
          },
        });
      })().finally(() => {
        progress.state = 'done';
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
      replayProgress: progress,
      stats,
      address,
      async close() {
        guest?.stop();
        abort.abort();
        await replay?.catch(() => undefined);
        await running.close();
        await stopRecording(recorder, logger);
        await encoderPool.close();
      },
    };
  } catch (error) {
    guest?.stop();
    abort.abort();
    await server?.close();
    await stopRecording(recorder, logger);
    await encoderPool.close();
    throw error;
  }
}
