import { MessageChannel, type MessagePort, parentPort, Worker, workerData } from 'node:worker_threads';
import { createPortDispatcher, type Dispatcher, type LoopStats } from '@spice-ts/loop';
import type { QxlDevice } from './device.js';
import type { QxlGuestPort } from './driver.js';
import { QxlBadValueError } from './errors.js';
import type { QxlBar } from './guest-memory.js';
import { type QxlLogger, silentLogger } from './logger.js';
import { QXL_IO_RANGE_SIZE, QxlIo } from './qxl-dev.js';

/**
 * IO ports a guest thread writes without waiting: the kicks, the interrupt acknowledgement, and
 * every _ASYNC variant (those complete later with QXL_INTERRUPT_IO_CMD). Every other port is a
 * synchronous IO: the guest thread blocks until the device has carried it out, as a vCPU does.
 */
const FIRE_AND_FORGET_PORTS: ReadonlySet<number> = new Set([
  QxlIo.NotifyCmd,
  QxlIo.NotifyCursor,
  QxlIo.UpdateIrq,
  QxlIo.NotifyOom,
  QxlIo.Log,
  QxlIo.UpdateAreaAsync,
  QxlIo.MemslotAddAsync,
  QxlIo.CreatePrimaryAsync,
  QxlIo.DestroyPrimaryAsync,
  QxlIo.DestroySurfaceAsync,
  QxlIo.DestroyAllSurfacesAsync,
  QxlIo.FlushSurfacesAsync,
  QxlIo.MonitorsConfigAsync,
]);

/**
 * How long a synchronous IO may keep a guest thread blocked before it fails (a device thread that
 * no longer answers). Sync IO never waits on clients, so a healthy device answers in milliseconds.
 */
export const GUEST_SYNC_IO_TIMEOUT_MS = 5_000;

/** Messages between a guest thread and the device's thread. */
export type GuestThreadMessage =
  | { type: 'io'; payload: { port: number; value: number } }
  | { type: 'interrupt'; payload: number };

interface SharedRegion {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  byteLength: number;
}

/** What a guest thread needs to reach the device: the BARs' shared memory and their addresses. */
export interface QxlGuestLink {
  rom: SharedRegion;
  ram: SharedRegion;
  vram: SharedRegion;
  bars: Record<'ram' | 'vram' | 'rom', QxlBar>;
}

function shared(view: Uint8Array, name: string): SharedRegion {
  if (!(view.buffer instanceof SharedArrayBuffer)) {
    throw new QxlBadValueError(`device ${name}`, 0, 'is not in a SharedArrayBuffer; a guest thread cannot reach it');
  }
  return { buffer: view.buffer, byteOffset: view.byteOffset, byteLength: view.byteLength };
}

/** The plain-data description of a device's memory, to hand to a guest thread (structured clone). */
export function guestLinkOf(device: QxlDevice): QxlGuestLink {
  const bars = device.bars;
  return {
    rom: shared(device.rom, 'ROM'),
    ram: shared(device.ram, 'RAM'),
    vram: shared(device.vram, 'VRAM'),
    bars: { ram: { ...bars.ram }, vram: { ...bars.vram }, rom: { ...bars.rom } },
  };
}

/**
 * Device side: carries out the IO a guest thread sends over `dispatcher` and forwards the
 * device's interrupts to it. A bad message (unknown type, port out of range) is logged and
 * dropped; the device keeps working. Returns a function that stops serving.
 */
export function serveQxlGuest(
  device: QxlDevice,
  dispatcher: Dispatcher<GuestThreadMessage>,
  logger: QxlLogger = silentLogger,
): () => void {
  dispatcher.onMessage((message, reply) => {
    if (message.type !== 'io') {
      logger.warn({ type: (message as { type?: unknown }).type }, 'qxl: unexpected message from the guest thread');
      reply(undefined);
      return;
    }
    const { port, value } = message.payload ?? { port: -1, value: 0 };
    if (!Number.isInteger(port) || port < 0 || port >= QXL_IO_RANGE_SIZE || !Number.isInteger(value)) {
      logger.warn({ port, value }, 'qxl: guest thread wrote an invalid IO port; ignored');
      reply(undefined);
      return;
    }
    device.io(port, value);
    reply(undefined);
  });
  const unsubscribe = device.onInterrupt((pending) => dispatcher.send({ type: 'interrupt', payload: pending }));
  return () => {
    unsubscribe();
    dispatcher.onMessage(() => {});
  };
}

/**
 * Guest side: a QxlGuestPort over the shared BARs whose IO goes to the device thread through
 * `dispatcher`. Synchronous ports block this thread until done (Atomics.wait in callSync); kicks
 * and _ASYNC ports are posted. Hand it to `createGuestDriver`.
 */
export function connectQxlGuest(
  link: QxlGuestLink,
  dispatcher: Dispatcher<GuestThreadMessage>,
): QxlGuestPort & { close(): void } {
  const view = (r: SharedRegion) => new Uint8Array(r.buffer, r.byteOffset, r.byteLength);
  const handlers = new Set<(pending: number) => void>();
  dispatcher.onMessage((message, reply) => {
    reply(undefined);
    if (message.type === 'interrupt') for (const h of [...handlers]) h(message.payload);
  });
  return {
    rom: view(link.rom),
    ram: view(link.ram),
    vram: view(link.vram),
    bars: link.bars,
    io(port: number, value: number): void {
      const message: GuestThreadMessage = { type: 'io', payload: { port, value } };
      if (FIRE_AND_FORGET_PORTS.has(port)) dispatcher.send(message);
      else dispatcher.callSync(message);
    },
    onInterrupt(handler: (pending: number) => void): () => void {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close() {
      handlers.clear();
      dispatcher.close();
    },
  };
}

/** Data a guest thread receives in `workerData`. */
interface GuestThreadData {
  spiceTsQxlGuest: { link: QxlGuestLink; port: MessagePort; data: unknown };
}

export interface GuestThread {
  readonly worker: Worker;
  readonly dispatcher: Dispatcher<GuestThreadMessage>;
  /** Resolves with the thread's exit code. */
  readonly exited: Promise<number>;
  /** Stops serving the device and terminates the thread. */
  close(): Promise<void>;
}

export interface GuestThreadOptions {
  /** Passed to the guest as `joinGuestThread().data` (structured clone). */
  data?: unknown;
  logger?: QxlLogger;
  stats?: LoopStats;
  /** Bound of one synchronous IO; default GUEST_SYNC_IO_TIMEOUT_MS. */
  syncTimeoutMs?: number;
  /** Node options of the thread (default: this process's `execArgv`, as `new Worker` does). */
  execArgv?: string[];
}

/**
 * Runs a guest in its own `worker_threads` thread: `script` (a module path or URL) calls
 * `joinGuestThread()` to get its QxlGuestPort. The device stays in this thread; the guest's IO
 * comes here through a port dispatcher and interrupts go back the same way.
 */
export function startGuestThread(
  device: QxlDevice,
  script: string | URL,
  options: GuestThreadOptions = {},
): GuestThread {
  const logger = options.logger ?? silentLogger;
  const { port1, port2 } = new MessageChannel();
  const dispatcher = createPortDispatcher<GuestThreadMessage>(port1, {
    name: 'qxl-guest',
    ...(options.stats ? { stats: options.stats } : {}),
    onError: (error) => logger.error({ err: error }, 'qxl: guest thread message failed'),
  });
  const stop = serveQxlGuest(device, dispatcher, logger);
  const data: GuestThreadData = {
    spiceTsQxlGuest: {
      link: guestLinkOf(device),
      port: port2,
      data: { syncTimeoutMs: options.syncTimeoutMs ?? GUEST_SYNC_IO_TIMEOUT_MS, user: options.data },
    },
  };
  const worker = new Worker(script, {
    workerData: data,
    transferList: [port2],
    ...(options.execArgv ? { execArgv: options.execArgv } : {}),
  });
  const exited = new Promise<number>((resolve) => {
    worker.once('error', (error) => {
      logger.error({ err: error }, 'qxl: guest thread failed');
    });
    worker.once('exit', (code) => {
      stop();
      dispatcher.close();
      resolve(code);
    });
  });
  return {
    worker,
    dispatcher,
    exited,
    async close() {
      stop();
      dispatcher.close();
      await worker.terminate();
    },
  };
}

/**
 * Inside a guest thread started by `startGuestThread`: the QxlGuestPort to the device and the
 * data the starter passed. Throws when called in any other thread.
 */
export function joinGuestThread<D = unknown>(): { port: QxlGuestPort & { close(): void }; data: D } {
  const init = (workerData as Partial<GuestThreadData> | null)?.spiceTsQxlGuest;
  if (parentPort === null || init === undefined) {
    throw new QxlBadValueError('joinGuestThread', 0, 'was called outside a thread started by startGuestThread');
  }
  const { syncTimeoutMs, user } = init.data as { syncTimeoutMs: number; user: D };
  const dispatcher = createPortDispatcher<GuestThreadMessage>(init.port, { name: 'qxl-guest', syncTimeoutMs });
  return { port: connectQxlGuest(init.link, dispatcher), data: user };
}
