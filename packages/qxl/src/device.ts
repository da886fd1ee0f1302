import { isQxlError, QxlBadStateError, QxlBadValueError, type QxlError } from './errors.js';
import { createGuestMemory, type GuestMemory, type GuestPtr, type Memslot, type QxlBar } from './guest-memory.js';
import { type QxlLogger, silentLogger } from './logger.js';
import { createQxlParser, type QxlParseLimits, type QxlParser, validateSurface } from './parser.js';
import {
  QXL_COMMAND_RING_ITEM_SIZE,
  QXL_COMMAND_RING_SIZE,
  QXL_CURSOR_RING_SIZE,
  QXL_LOG_BUF_SIZE,
  QXL_MEM_SLOT,
  QXL_MODE,
  QXL_MODES,
  QXL_PAGE_SIZE,
  QXL_RAM,
  QXL_RAM_HEADER_BYTES,
  QXL_RAM_MAGIC,
  QXL_RECT,
  QXL_RELEASE_RING_ITEM_SIZE,
  QXL_RELEASE_RING_SIZE,
  QXL_ROM,
  QXL_ROM_MAGIC,
  QXL_SURFACE_CREATE,
  QxlInterrupt,
  QxlIo,
} from './qxl-dev.js';
import type { QxlAnyCommandRecord, QxlCommandRecord, QxlMonitorsConfig, QxlRect } from './records.js';
import { ReplayWorkerMessage } from './replay-records.js';
import { createQxlRing, type QxlCommandExt, type QxlRing, readCommandEntry } from './ring.js';

/** QEMU's default BAR sizes: 64 MiB RAM (RAM header at its end), 32 MiB VRAM, 8 KiB ROM. */
export const QXL_DEFAULT_RAM_SIZE = 64 * 1024 * 1024;
export const QXL_DEFAULT_VRAM_SIZE = 32 * 1024 * 1024;
export const QXL_DEFAULT_ROM_SIZE = 8192;
/** QEMU's default number of surfaces (qxl "num_surfaces" property). */
export const QXL_DEFAULT_NUM_SURFACES = 1024;
/** Releases collected before the device pushes them on the release ring (QEMU QXL_FREE_BUNCH_SIZE). */
export const QXL_FREE_BUNCH_SIZE = 32;
/** Memslot group of guest memory, as QEMU reports it in QXLDevSurfaceCreate.group_id. */
export const QXL_MEMSLOT_GROUP_GUEST = 1;
/** Physical size of one pixel in mm, for QXLMode.x_mili/y_mili (QEMU: 1280x1024 is 14.8" x 11.9"). */
const PIXEL_SIZE_MM = 0.2936875;

/** Resolutions of the ROM's mode list, each offered at 16 and 32 bpp, orientation 0 and 1 (as QEMU). */
const MODE_RESOLUTIONS: readonly (readonly [number, number])[] = [
  [640, 480],
  [800, 480],
  [800, 600],
  [832, 624],
  [960, 640],
  [1024, 600],
  [1024, 768],
  [1152, 864],
  [1152, 870],
  [1280, 720],
  [1280, 760],
  [1280, 768],
  [1280, 800],
  [1280, 960],
  [1280, 1024],
  [1360, 768],
  [1366, 768],
  [1400, 1050],
  [1440, 900],
  [1600, 900],
  [1600, 1200],
  [1680, 1050],
  [1920, 1080],
  [1920, 1200],
  [1920, 1440],
  [2000, 2000],
  [2048, 1536],
  [2048, 2048],
  [2560, 1440],
  [2560, 1600],
  [2560, 2048],
  [2800, 2100],
  [3200, 2400],
  [3840, 2160],
  [4096, 2160],
  [7680, 4320],
  [8192, 4320],
];

/** Options of createQxlDevice(). */
export interface QxlDeviceInit {
  /** RAM BAR size (commands, images, chunks; the RAM header sits in its last 8 KiB). Default 64 MiB. */
  ramSize?: number;
  /** VRAM BAR size (primary and off-screen surfaces). Default 32 MiB. */
  vramSize?: number;
  /** ROM BAR size. Default 8 KiB. */
  romSize?: number;
  /** Number of surfaces (QXLRom.n_surfaces). Default 1024. */
  numSurfaces?: number;
  /** Memslot id bits, generation bits and count (defaults 8, 8, 8 as QEMU). */
  slotIdBits?: number;
  slotGenBits?: number;
  numSlots?: number;
  /** Device id (QXLRom.id). Default 0. */
  id?: number;
  /** Releases collected before one is pushed (the guest asking for one pushes at once). Default 32. */
  releaseBatch?: number;
  /** Guest-physical addresses of the BARs. */
  barBases?: Partial<Record<'ram' | 'vram' | 'rom', number>>;
  /** Parser limits. */
  limits?: Partial<QxlParseLimits>;
  logger?: QxlLogger;
}

/** The primary surface as the guest created it (QEMU's QXLDevSurfaceCreate). */
export interface QxlPrimarySurface {
  width: number;
  height: number;
  stride: number;
  format: number;
  position: number;
  mouseMode: number;
  flags: number;
  type: number;
  /** QXLPHYSICAL of the surface memory; resolve it with `QxlDevice.translate`. */
  mem: bigint;
  groupId: number;
}

/** Present for an *_ASYNC IO: complete it with `QxlDevice.asyncComplete(cookie)`. */
export interface QxlAsync {
  cookie: number;
}

/**
 * What the display worker gives the device (the device-to-server half of spice-server's
 * QXLInterface / QXLWorker). Sync IOs call the callback and return; for async ones the worker calls
 * `asyncComplete(cookie)` when done. Optional callbacks the worker leaves out are completed by the
 * device itself.
 */
export interface QxlWorkerCallbacks {
  /** The guest kicked QXL_IO_NOTIFY_CMD (coalesced, called on a later microtask). */
  notifyCommands(): void;
  /** The guest kicked QXL_IO_NOTIFY_CURSOR (coalesced, called on a later microtask). */
  notifyCursor(): void;
  createPrimary(surface: QxlPrimarySurface, async: QxlAsync | null): void;
  destroyPrimary(async: QxlAsync | null): void;
  updateArea(surfaceId: number, area: QxlRect, async: QxlAsync | null): void;
  /** QXL_IO_NOTIFY_OOM: release what can be released now; the device flushes the releases after. */
  oom?(): void;
  /** QXL_IO_RESET: drop every surface, cache and command record (their releases are ignored). */
  reset?(): void;
  memslotAdded?(slot: Memslot): void;
  memslotDeleted?(slotId: number): void;
  destroySurface?(surfaceId: number, async: QxlAsync | null): void;
  destroyAllSurfaces?(async: QxlAsync | null): void;
  flushSurfaces?(async: QxlAsync): void;
  monitorsConfig?(config: QxlMonitorsConfig, async: QxlAsync): void;
}

export interface QxlDeviceStats {
  commands: number;
  cursorCommands: number;
  rejected: number;
  releases: number;
  releasePushes: number;
  interruptsRaised: number;
  guestBugs: number;
}

/**
 * The QXL device model. Guest side: `io()` and `onInterrupt()` plus the three BARs. Server side:
 * what a display worker uses (spice-server's QXLInterface): get/parse commands, request
 * notifications, release resources, complete async IO.
 */
export interface QxlDevice {
  readonly rom: Uint8Array;
  readonly ram: Uint8Array;
  readonly vram: Uint8Array;
  readonly memory: GuestMemory;
  readonly bars: Readonly<Record<'ram' | 'vram' | 'rom', QxlBar>>;
  readonly id: number;
  readonly numSurfaces: number;
  /** Offset of QXLRam in the RAM BAR (QXLRom.ram_header_offset). */
  readonly ramHeaderOffset: number;
  readonly primary: QxlPrimarySurface | null;
  /** The last guest bug (bad IO use); while set, IO other than RESET is ignored and no command is read. */
  readonly guestBug: QxlError | null;
  readonly stats: Readonly<QxlDeviceStats>;

  /** Guest side: a write of `value` to IO port `port` (QxlIo). */
  io(port: number, value: number): void;
  /**
   * Guest side: called with int_pending when an unmasked interrupt is pending, on a later turn of
   * the event loop (like an interrupt line). The guest clears int_pending and writes UPDATE_IRQ.
   * Returns an unsubscribe function.
   */
  onInterrupt(handler: (pending: number) => void): () => void;

  attachWorker(worker: QxlWorkerCallbacks): void;
  detachWorker(): void;
  /** Pops and parses one command-ring entry. Throws a QxlError for a bad one (consumed and released). */
  getCommand(): QxlCommandRecord | null;
  /** Same for the cursor ring. */
  getCursorCommand(): QxlCommandRecord | null;
  /** As getCommand, accepting every draw type (OPAQUE ... COMPOSITE, NOP), not only FILL and COPY. */
  getAnyCommand(): QxlAnyCommandRecord | null;
  /** Asks the guest to kick NOTIFY_CMD on its next push; false if commands are already waiting. */
  requestCommandNotification(): boolean;
  requestCursorNotification(): boolean;
  /** Hands a command back to the guest through the release ring (batched and chained as QEMU does). */
  releaseResource(releaseId: bigint): void;
  /**
   * Pushes the releases collected so far (QXLInterface.flush_resources); returns how many were
   * pushed (0 when there were none or the release ring is full).
   */
  flushResources(): number;
  /** Completes the pending *_ASYNC IO and raises QXL_INTERRUPT_IO_CMD. */
  asyncComplete(cookie: number): void;
  /** Translates a guest address (e.g. a surface's memory) through the memslots. */
  translate(addr: bigint, size: number): GuestPtr;
  /** Writes QXLRom.mm_clock (QXLInterface.set_mm_time). */
  setMmTime(mmTime: number): void;
  /**
   * Observes every command taken off the command or cursor ring, before it is parsed (where
   * spice-server records): the listener runs synchronously, so guest memory still holds the
   * command. A throwing listener is logged and ignored. Returns an unsubscribe function.
   */
  onCommand(listener: QxlCommandListener): () => void;
  /**
   * Observes every message the device hands (or, without a worker, would hand) the display worker,
   * as a RED_WORKER_MESSAGE_* number (ReplayWorkerMessage), with the primary surface for
   * CREATE_PRIMARY_SURFACE(_ASYNC). Returns an unsubscribe function.
   */
  onWorkerMessage(listener: QxlWorkerMessageListener): () => void;
}

/** A command as the device hands it over: the ring it came from and its QXLCommandExt. */
export type QxlCommandListener = (command: QxlCommandExt, ring: 'command' | 'cursor') => void;
export type QxlWorkerMessageListener = (message: number, primary: QxlPrimarySurface | null) => void;

const ASYNC_PORTS: ReadonlyMap<number, number> = new Map([
  [QxlIo.UpdateAreaAsync, QxlIo.UpdateArea],
  [QxlIo.MemslotAddAsync, QxlIo.MemslotAdd],
  [QxlIo.CreatePrimaryAsync, QxlIo.CreatePrimary],
  [QxlIo.DestroyPrimaryAsync, QxlIo.DestroyPrimary],
  [QxlIo.DestroySurfaceAsync, QxlIo.DestroySurfaceWait],
  [QxlIo.DestroyAllSurfacesAsync, QxlIo.DestroyAllSurfaces],
  [QxlIo.FlushSurfacesAsync, QxlIo.FlushSurfacesAsync],
  [QxlIo.MonitorsConfigAsync, QxlIo.MonitorsConfigAsync],
]);

const PORT_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(QxlIo).map(([name, port]) => [port, name]));

function portName(port: number): string {
  return PORT_NAMES.get(port) ?? `port ${port}`;
}

function releaseIdOf(record: QxlAnyCommandRecord): bigint {
  switch (record.type) {
    case 'draw':
      return record.drawable.releaseId;
    case 'message':
      return record.releaseId;
    default:
      return record.command.releaseId;
  }
}

function checkBarSize(name: string, size: number, min: number): void {
  if (!Number.isInteger(size) || size < min || size % QXL_PAGE_SIZE !== 0) {
    throw new QxlBadValueError(name, size, `must be a multiple of ${QXL_PAGE_SIZE} of at least ${min}`);
  }
}

class QxlDeviceImpl implements QxlDevice {
  readonly memory: GuestMemory;
  readonly id: number;
  readonly numSurfaces: number;
  readonly ramHeaderOffset: number;
  readonly stats: QxlDeviceStats = {
    commands: 0,
    cursorCommands: 0,
    rejected: 0,
    releases: 0,
    releasePushes: 0,
    interruptsRaised: 0,
    guestBugs: 0,
  };
  private readonly log: QxlLogger;
  private readonly parser: QxlParser;
  private readonly ramView: DataView;
  private readonly romView: DataView;
  private readonly ramWords: Int32Array;
  private readonly cmdRing: QxlRing;
  private readonly cursorRing: QxlRing;
  private readonly releaseRing: QxlRing;
  private readonly releaseBatch: number;
  private worker: QxlWorkerCallbacks | null = null;
  private primarySurface: QxlPrimarySurface | null = null;
  private bug: QxlError | null = null;
  private readonly handlers = new Set<(pending: number) => void>();
  private readonly commandListeners = new Set<QxlCommandListener>();
  private readonly messageListeners = new Set<QxlWorkerMessageListener>();
  private irqScheduled = false;
  private cmdWakeScheduled = false;
  private cursorWakeScheduled = false;
  private pendingAsync: { port: number; cookie: number } | null = null;
  private lastCookie = 0;
  /** Cookies up to this one were issued before the last reset: completing them is a no-op. */
  private staleCookies = 0;
  /** Where each popped, not yet released command's QXLReleaseInfo lives, by release id. */
  private readonly outstanding = new Map<bigint, GuestPtr[]>();
  /** Releases chained into the current release-ring item, and the last of them. */
  private numFree = 0;
  private lastRelease: GuestPtr | null = null;
  private oomRunning = false;

  constructor(init: QxlDeviceInit) {
    const ramSize = init.ramSize ?? QXL_DEFAULT_RAM_SIZE;
    const vramSize = init.vramSize ?? QXL_DEFAULT_VRAM_SIZE;
    const romSize = init.romSize ?? QXL_DEFAULT_ROM_SIZE;
    checkBarSize('ramSize', ramSize, QXL_RAM_HEADER_BYTES + QXL_PAGE_SIZE);
    checkBarSize('vramSize', vramSize, QXL_PAGE_SIZE);
    checkBarSize('romSize', romSize, QXL_PAGE_SIZE);
    this.numSurfaces = init.numSurfaces ?? QXL_DEFAULT_NUM_SURFACES;
    if (!Number.isInteger(this.numSurfaces) || this.numSurfaces < 1 || this.numSurfaces > 0xffff) {
      throw new QxlBadValueError('numSurfaces', this.numSurfaces, 'must be an integer in [1, 65535]');
    }
    this.releaseBatch = init.releaseBatch ?? QXL_FREE_BUNCH_SIZE;
    if (!Number.isInteger(this.releaseBatch) || this.releaseBatch < 1) {
      throw new QxlBadValueError('releaseBatch', this.releaseBatch, 'must be a positive integer');
    }
    this.id = init.id ?? 0;
    this.log = init.logger ?? silentLogger;
    this.memory = createGuestMemory({
      ramSize,
      vramSize,
      romSize,
      ...(init.slotIdBits === undefined ? {} : { slotIdBits: init.slotIdBits }),
      ...(init.slotGenBits === undefined ? {} : { slotGenBits: init.slotGenBits }),
      ...(init.numSlots === undefined ? {} : { numSlots: init.numSlots }),
      ...(init.barBases === undefined ? {} : { barBases: init.barBases }),
    });
    this.parser = createQxlParser({
      memory: this.memory,
      numSurfaces: this.numSurfaces,
      ...(init.limits === undefined ? {} : { limits: init.limits }),
    });
    this.ramHeaderOffset = ramSize - QXL_RAM_HEADER_BYTES;
    this.ramView = this.memory.view(0);
    this.romView = this.memory.view(2);
    this.ramWords = this.memory.words(0);
    const h = this.ramHeaderOffset;
    const ram = this.memory.ram;
    this.cmdRing = createQxlRing({
      bytes: ram,
      offset: h + QXL_RAM.cmdRing,
      numItems: QXL_COMMAND_RING_SIZE,
      itemSize: QXL_COMMAND_RING_ITEM_SIZE,
    });
    this.cursorRing = createQxlRing({
      bytes: ram,
      offset: h + QXL_RAM.cursorRing,
      numItems: QXL_CURSOR_RING_SIZE,
      itemSize: QXL_COMMAND_RING_ITEM_SIZE,
    });
    this.releaseRing = createQxlRing({
      bytes: ram,
      offset: h + QXL_RAM.releaseRing,
      numItems: QXL_RELEASE_RING_SIZE,
      itemSize: QXL_RELEASE_RING_ITEM_SIZE,
    });
    this.initRom();
    this.initRam();
  }

  get rom(): Uint8Array {
    return this.memory.rom;
  }
  get ram(): Uint8Array {
    return this.memory.ram;
  }
  get vram(): Uint8Array {
    return this.memory.vram;
  }
  get bars(): Readonly<Record<'ram' | 'vram' | 'rom', QxlBar>> {
    return this.memory.bars;
  }
  get primary(): QxlPrimarySurface | null {
    return this.primarySurface;
  }
  get guestBug(): QxlError | null {
    return this.bug;
  }

  // ---- BAR contents ---------------------------------------------------------------------------

  private initRom(): void {
    const v = this.romView;
    const rom = this.memory.rom;
    rom.fill(0);
    v.setUint32(QXL_ROM.magic, QXL_ROM_MAGIC, true);
    v.setUint32(QXL_ROM.id, this.id, true);
    v.setUint32(QXL_ROM.modesOffset, QXL_ROM.SIZE, true);
    // Our primary lives in VRAM: no surface0 area in RAM, the pages run from 0 to the RAM header.
    v.setUint32(QXL_ROM.pagesOffset, 0, true);
    v.setUint32(QXL_ROM.drawAreaOffset, 0, true);
    v.setUint32(QXL_ROM.surface0AreaSize, 0, true);
    v.setUint32(QXL_ROM.numPages, Math.floor(this.ramHeaderOffset / QXL_PAGE_SIZE), true);
    v.setUint32(QXL_ROM.ramHeaderOffset, this.ramHeaderOffset, true);
    v.setUint32(QXL_ROM.nSurfaces, this.numSurfaces, true);
    const numSlots = this.memory.numSlots;
    // As QEMU: slot 0 is the device's own, the guest's slots start at 1 (when there is room).
    v.setUint8(QXL_ROM.slotsStart, numSlots > 2 ? 1 : 0);
    v.setUint8(QXL_ROM.slotsEnd, numSlots - 1);
    v.setUint8(QXL_ROM.slotGenBits, this.memory.slotGenBits);
    v.setUint8(QXL_ROM.slotIdBits, this.memory.slotIdBits);
    v.setUint8(QXL_ROM.slotGeneration, 0);
    const modes = QXL_ROM.SIZE;
    const room = Math.floor((rom.byteLength - modes - QXL_MODES.SIZE) / QXL_MODE.SIZE);
    let n = 0;
    let index = 0;
    for (const [x, y] of MODE_RESOLUTIONS) {
      for (const bits of [16, 32]) {
        for (const orientation of [0, 1]) {
          const id = index++;
          const stride = (x * bits) / 8;
          if (y * stride > this.memory.vram.byteLength || n >= room) continue;
          const m = modes + QXL_MODES.modes + n * QXL_MODE.SIZE;
          v.setUint32(m + QXL_MODE.id, id, true);
          v.setUint32(m + QXL_MODE.xRes, x, true);
          v.setUint32(m + QXL_MODE.yRes, y, true);
          v.setUint32(m + QXL_MODE.bits, bits, true);
          v.setUint32(m + QXL_MODE.stride, stride, true);
          v.setUint32(m + QXL_MODE.xMili, Math.floor(PIXEL_SIZE_MM * x), true);
          v.setUint32(m + QXL_MODE.yMili, Math.floor(PIXEL_SIZE_MM * y), true);
          v.setUint32(m + QXL_MODE.orientation, orientation, true);
          n++;
        }
      }
    }
    v.setUint32(modes + QXL_MODES.nModes, n, true);
  }

  private initRam(): void {
    const h = this.ramHeaderOffset;
    this.ramView.setUint32(h + QXL_RAM.magic, QXL_RAM_MAGIC, true);
    Atomics.store(this.ramWords, (h + QXL_RAM.intPending) >>> 2, 0);
    Atomics.store(this.ramWords, (h + QXL_RAM.intMask) >>> 2, 0);
    this.cmdRing.init();
    this.cursorRing.init();
    this.releaseRing.init();
    this.ramView.setBigUint64(this.releaseRing.prodItemOffset(), 0n, true);
    this.ramView.setUint32(h + QXL_RAM.updateSurface, 0, true);
    this.ramView.setBigUint64(h + QXL_RAM.monitorsConfig, 0n, true);
  }

  setMmTime(mmTime: number): void {
    this.romView.setUint32(QXL_ROM.mmClock, mmTime >>> 0, true);
  }

  translate(addr: bigint, size: number): GuestPtr {
    return this.memory.translate(addr, size);
  }

  // ---- interrupts -----------------------------------------------------------------------------

  onInterrupt(handler: (pending: number) => void): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  onCommand(listener: QxlCommandListener): () => void {
    this.commandListeners.add(listener);
    return () => {
      this.commandListeners.delete(listener);
    };
  }

  onWorkerMessage(listener: QxlWorkerMessageListener): () => void {
    this.messageListeners.add(listener);
    return () => {
      this.messageListeners.delete(listener);
    };
  }

  /** Tells the onWorkerMessage listeners; sync IOs give `sync`, their _ASYNC forms `async`. */
  private message(
    sync: number,
    asyncMessage: number,
    async: QxlAsync | null,
    primary: QxlPrimarySurface | null = null,
  ): void {
    if (this.messageListeners.size === 0) return;
    const type = async === null ? sync : asyncMessage;
    for (const listener of this.messageListeners) {
      try {
        listener(type, primary === null ? null : { ...primary });
      } catch (err) {
        this.log.error({ err, qxl: this.id, message: type }, 'qxl: worker message listener threw');
      }
    }
  }

  private raise(events: number): void {
    this.stats.interruptsRaised++;
    const old = Atomics.or(this.ramWords, (this.ramHeaderOffset + QXL_RAM.intPending) >>> 2, events);
    if ((old & events) === events) return;
    this.scheduleIrq();
  }

  /** Re-evaluates the interrupt line on a later turn (setImmediate, so a guest that never clears
   * int_pending cannot starve the event loop). */
  private scheduleIrq(): void {
    if (this.irqScheduled) return;
    this.irqScheduled = true;
    setImmediate(() => {
      this.irqScheduled = false;
      const h = this.ramHeaderOffset;
      const pending = Atomics.load(this.ramWords, (h + QXL_RAM.intPending) >>> 2) >>> 0;
      const mask = Atomics.load(this.ramWords, (h + QXL_RAM.intMask) >>> 2) >>> 0;
      if ((pending & mask) === 0) return;
      for (const handler of [...this.handlers]) {
        try {
          handler(pending);
        } catch (err) {
          this.log.error({ err, qxl: this.id }, 'qxl: guest interrupt handler threw');
        }
      }
    });
  }

  // ---- guest IO -------------------------------------------------------------------------------

  private guestBugFound(error: QxlError): void {
    this.bug = error;
    this.stats.guestBugs++;
    this.log.warn({ err: error, qxl: this.id }, 'qxl: guest bug');
    this.raise(QxlInterrupt.Error);
  }

  private ioBug(port: number, value: number | bigint | string, reason: string): void {
    this.guestBugFound(new QxlBadValueError(`QXL_IO ${portName(port)}`, value, reason));
  }

  /** Ends a pending async IO that will not reach the worker (QEMU's cancel_async). */
  private cancelAsync(async: QxlAsync | null): void {
    if (async === null) return;
    if (this.pendingAsync?.cookie === async.cookie) this.pendingAsync = null;
    this.raise(QxlInterrupt.IoCmd);
  }

  /** Completes an async IO the device handled itself, after the IO returns. */
  private completeSoon(async: QxlAsync | null): void {
    if (async === null) return;
    queueMicrotask(() => {
      if (this.pendingAsync?.cookie !== async.cookie) return;
      this.pendingAsync = null;
      this.raise(QxlInterrupt.IoCmd);
    });
  }

  io(port: number, value: number): void {
    port >>>= 0;
    value >>>= 0;
    if (this.bug !== null && port !== QxlIo.Reset) {
      this.log.debug({ qxl: this.id, port: portName(port) }, 'qxl: IO ignored while in guest-bug state');
      return;
    }
    let async: QxlAsync | null = null;
    let op = port;
    const sync = ASYNC_PORTS.get(port);
    if (sync !== undefined) {
      if (this.pendingAsync !== null) {
        this.ioBug(port, value, `started before ${portName(this.pendingAsync.port)} completed`);
        return;
      }
      async = { cookie: ++this.lastCookie };
      this.pendingAsync = { port, cookie: async.cookie };
      op = sync;
    }
    switch (op) {
      case QxlIo.NotifyCmd:
        this.wakeCommands();
        return;
      case QxlIo.NotifyCursor:
        this.wakeCursor();
        return;
      case QxlIo.UpdateArea:
        this.ioUpdateArea(port, async);
        return;
      case QxlIo.UpdateIrq:
        this.scheduleIrq();
        return;
      case QxlIo.NotifyOom:
        this.ioOom();
        return;
      case QxlIo.Reset:
        this.reset();
        return;
      case QxlIo.Log:
        this.ioLog();
        return;
      case QxlIo.MemslotAdd:
        this.ioMemslotAdd(port, value, async);
        return;
      case QxlIo.MemslotDel:
        if (value >= this.memory.numSlots) {
          this.ioBug(port, value, 'is not a memslot id');
          return;
        }
        this.memory.deleteSlot(value);
        this.message(ReplayWorkerMessage.DelMemslot, ReplayWorkerMessage.DelMemslot, null);
        this.worker?.memslotDeleted?.(value);
        return;
      case QxlIo.CreatePrimary:
        this.ioCreatePrimary(port, value, async);
        return;
      case QxlIo.DestroyPrimary:
        this.ioDestroyPrimary(port, value, async);
        return;
      case QxlIo.DestroySurfaceWait:
        if (value >= this.numSurfaces) {
          this.ioBug(port, value, `is not a surface id below ${this.numSurfaces}`);
          this.cancelAsync(async);
          return;
        }
        this.message(ReplayWorkerMessage.DestroySurfaceWait, ReplayWorkerMessage.DestroySurfaceWaitAsync, async);
        if (this.worker?.destroySurface) this.worker.destroySurface(value, async);
        else this.completeSoon(async);
        return;
      case QxlIo.DestroyAllSurfaces:
        this.primarySurface = null;
        this.message(ReplayWorkerMessage.DestroySurfaces, ReplayWorkerMessage.DestroySurfacesAsync, async);
        if (this.worker?.destroyAllSurfaces) this.worker.destroyAllSurfaces(async);
        else this.completeSoon(async);
        return;
      case QxlIo.FlushSurfacesAsync:
        this.message(ReplayWorkerMessage.FlushSurfacesAsync, ReplayWorkerMessage.FlushSurfacesAsync, async);
        if (this.worker?.flushSurfaces && async) this.worker.flushSurfaces(async);
        else this.completeSoon(async);
        return;
      case QxlIo.FlushRelease:
        if (this.releaseRing.used() + 1 >= this.releaseRing.numItems) {
          this.log.warn({ qxl: this.id }, 'qxl: FLUSH_RELEASE with a full release ring');
        }
        this.pushFreeRes(true);
        return;
      case QxlIo.MonitorsConfigAsync:
        this.ioMonitorsConfig(async);
        return;
      case QxlIo.SetMode:
      case QxlIo.DetachPrimary:
      case QxlIo.AttachPrimary:
        this.ioBug(port, value, 'is not supported by this device model (qxl-1 compat and VGA mode are not modelled)');
        return;
      default:
        this.ioBug(port, value, 'is not an IO port');
        return;
    }
  }

  private ioUpdateArea(port: number, async: QxlAsync | null): void {
    const h = this.ramHeaderOffset + QXL_RAM.updateArea;
    const v = this.ramView;
    const area: QxlRect = {
      top: v.getInt32(h + QXL_RECT.top, true),
      left: v.getInt32(h + QXL_RECT.left, true),
      bottom: v.getInt32(h + QXL_RECT.bottom, true),
      right: v.getInt32(h + QXL_RECT.right, true),
    };
    const surfaceId = v.getUint32(this.ramHeaderOffset + QXL_RAM.updateSurface, true);
    if (surfaceId >= this.numSurfaces) {
      this.ioBug(port, surfaceId, `update_surface is not a surface id below ${this.numSurfaces}`);
      this.cancelAsync(async);
      return;
    }
    if (area.left >= area.right || area.top >= area.bottom || area.left < 0 || area.top < 0) {
      // Old drivers send empty areas: not a bug, nothing to do.
      if (area.left !== area.right && area.top !== area.bottom) {
        this.ioBug(port, `(t${area.top} l${area.left} b${area.bottom} r${area.right})`, 'is not a valid update_area');
      }
      this.cancelAsync(async);
      return;
    }
    this.message(ReplayWorkerMessage.Update, ReplayWorkerMessage.UpdateAsync, async);
    if (this.worker) this.worker.updateArea(surfaceId, area, async);
    else this.completeSoon(async);
  }

  private ioOom(): void {
    // The guest must first take what is already on the release ring.
    if (!this.releaseRing.isEmpty()) return;
    this.message(ReplayWorkerMessage.Oom, ReplayWorkerMessage.Oom, null);
    this.oomRunning = true;
    try {
      this.worker?.oom?.();
    } finally {
      this.oomRunning = false;
    }
    this.pushFreeRes(true);
  }

  private ioLog(): void {
    const start = this.ramHeaderOffset + QXL_RAM.logBuf;
    const buf = this.memory.ram.subarray(start, start + QXL_LOG_BUF_SIZE);
    const end = buf.indexOf(0);
    const text = new TextDecoder().decode(buf.slice(0, end < 0 ? buf.length : end));
    this.log.info({ qxl: this.id, guest: text }, 'qxl: guest log');
  }

  private ioMemslotAdd(port: number, value: number, async: QxlAsync | null): void {
    if (value >= this.memory.numSlots) {
      this.ioBug(port, value, 'is not a memslot id');
      this.cancelAsync(async);
      return;
    }
    if (this.memory.getSlot(value) !== undefined) {
      this.ioBug(port, value, 'memslot is already active');
      this.cancelAsync(async);
      return;
    }
    const h = this.ramHeaderOffset + QXL_RAM.memSlot;
    const start = this.ramView.getBigUint64(h + QXL_MEM_SLOT.memStart, true);
    const end = this.ramView.getBigUint64(h + QXL_MEM_SLOT.memEnd, true);
    const generation = this.romView.getUint8(QXL_ROM.slotGeneration);
    let slot: Memslot;
    try {
      slot = this.memory.addSlotPhysical(value, start, end, generation);
    } catch (err) {
      if (!isQxlError(err)) throw err;
      this.guestBugFound(err);
      this.cancelAsync(async);
      return;
    }
    this.message(ReplayWorkerMessage.AddMemslot, ReplayWorkerMessage.AddMemslotAsync, async);
    this.worker?.memslotAdded?.(slot);
    this.completeSoon(async);
  }

  private ioCreatePrimary(port: number, value: number, async: QxlAsync | null): void {
    if (value !== 0) {
      this.ioBug(port, value, 'value must be 0');
      this.cancelAsync(async);
      return;
    }
    if (this.primarySurface !== null) {
      this.ioBug(port, value, 'a primary surface already exists');
      this.cancelAsync(async);
      return;
    }
    const c = this.ramHeaderOffset + QXL_RAM.createSurface;
    const v = this.ramView;
    const width = v.getUint32(c + QXL_SURFACE_CREATE.width, true);
    const height = v.getUint32(c + QXL_SURFACE_CREATE.height, true);
    const stride = v.getInt32(c + QXL_SURFACE_CREATE.stride, true);
    const format = v.getUint32(c + QXL_SURFACE_CREATE.format, true);
    const mem = v.getBigUint64(c + QXL_SURFACE_CREATE.mem, true);
    try {
      const size = validateSurface('QXLSurfaceCreate', width, height, stride, format);
      if (stride % 4 !== 0) throw new QxlBadValueError('QXLSurfaceCreate.stride', stride, 'is not a multiple of 4');
      this.memory.translate(mem, size, 'QXLSurfaceCreate.mem');
    } catch (err) {
      if (!isQxlError(err)) throw err;
      this.guestBugFound(err);
      this.cancelAsync(async);
      return;
    }
    const surface: QxlPrimarySurface = {
      width,
      height,
      stride,
      format,
      position: v.getUint32(c + QXL_SURFACE_CREATE.position, true),
      // As QEMU: the device always offers client mouse mode for a primary.
      mouseMode: 1,
      flags: v.getUint32(c + QXL_SURFACE_CREATE.flags, true),
      type: v.getUint32(c + QXL_SURFACE_CREATE.type, true),
      mem,
      groupId: QXL_MEMSLOT_GROUP_GUEST,
    };
    this.primarySurface = surface;
    this.message(
      ReplayWorkerMessage.CreatePrimarySurface,
      ReplayWorkerMessage.CreatePrimarySurfaceAsync,
      async,
      surface,
    );
    if (this.worker) this.worker.createPrimary({ ...surface }, async);
    else this.completeSoon(async);
  }

  private ioDestroyPrimary(port: number, value: number, async: QxlAsync | null): void {
    if (value !== 0) {
      this.ioBug(port, value, 'value must be 0');
      this.cancelAsync(async);
      return;
    }
    if (this.primarySurface === null) {
      this.cancelAsync(async);
      return;
    }
    this.primarySurface = null;
    this.message(ReplayWorkerMessage.DestroyPrimarySurface, ReplayWorkerMessage.DestroyPrimarySurfaceAsync, async);
    if (this.worker) this.worker.destroyPrimary(async);
    else this.completeSoon(async);
  }

  private ioMonitorsConfig(async: QxlAsync | null): void {
    const addr = this.ramView.getBigUint64(this.ramHeaderOffset + QXL_RAM.monitorsConfig, true);
    let config: QxlMonitorsConfig;
    try {
      config = this.parser.parseMonitorsConfig(addr);
    } catch (err) {
      if (!isQxlError(err)) throw err;
      // As spice-server: a bad monitors config is ignored, the IO still completes.
      this.log.warn({ err, qxl: this.id }, 'qxl: ignoring a bad QXLMonitorsConfig');
      this.completeSoon(async);
      return;
    }
    this.message(ReplayWorkerMessage.MonitorsConfigAsync, ReplayWorkerMessage.MonitorsConfigAsync, async);
    if (this.worker?.monitorsConfig && async) this.worker.monitorsConfig(config, async);
    else this.completeSoon(async);
  }

  private reset(): void {
    // What QEMU's hard reset sends spice-server: cursor, image cache, surfaces, memslots.
    for (const m of [
      ReplayWorkerMessage.ResetCursor,
      ReplayWorkerMessage.ResetImageCache,
      ReplayWorkerMessage.DestroySurfaces,
      ReplayWorkerMessage.ResetMemslots,
    ])
      this.message(m, m, null);
    this.worker?.reset?.();
    this.memory.resetSlots();
    // A new generation makes every address the guest built before the reset invalid.
    const generation = this.romView.getUint8(QXL_ROM.slotGeneration);
    const mask = this.memory.slotGenBits === 0 ? 0 : 2 ** this.memory.slotGenBits - 1;
    this.romView.setUint8(QXL_ROM.slotGeneration, (generation + 1) & mask);
    this.romView.setUint32(QXL_ROM.updateId, 0, true);
    this.primarySurface = null;
    this.pendingAsync = null;
    this.staleCookies = this.lastCookie;
    this.outstanding.clear();
    this.numFree = 0;
    this.lastRelease = null;
    this.initRam();
    this.bug = null;
    this.scheduleIrq();
  }

  private wakeCommands(): void {
    if (this.cmdWakeScheduled) return;
    this.cmdWakeScheduled = true;
    queueMicrotask(() => {
      this.cmdWakeScheduled = false;
      this.message(ReplayWorkerMessage.Wakeup, ReplayWorkerMessage.Wakeup, null);
      try {
        this.worker?.notifyCommands();
      } catch (err) {
        this.log.error({ err, qxl: this.id }, 'qxl: worker notifyCommands threw');
      }
    });
  }

  private wakeCursor(): void {
    if (this.cursorWakeScheduled) return;
    this.cursorWakeScheduled = true;
    queueMicrotask(() => {
      this.cursorWakeScheduled = false;
      this.message(ReplayWorkerMessage.Wakeup, ReplayWorkerMessage.Wakeup, null);
      try {
        this.worker?.notifyCursor();
      } catch (err) {
        this.log.error({ err, qxl: this.id }, 'qxl: worker notifyCursor threw');
      }
    });
  }

  // ---- server side ----------------------------------------------------------------------------

  attachWorker(worker: QxlWorkerCallbacks): void {
    if (this.worker !== null) throw new QxlBadStateError('attachWorker', 'a worker is already attached');
    this.worker = worker;
  }

  detachWorker(): void {
    this.worker = null;
  }

  getCommand(): QxlCommandRecord | null {
    // As QEMU: a device in guest-bug state reads no more commands until RESET.
    if (this.bug !== null) return null;
    // Without `any` only FILL and COPY drawables get through.
    return this.pull(this.cmdRing, 'command', QxlInterrupt.Display, false) as QxlCommandRecord | null;
  }

  getAnyCommand(): QxlAnyCommandRecord | null {
    if (this.bug !== null) return null;
    return this.pull(this.cmdRing, 'command', QxlInterrupt.Display, true);
  }

  getCursorCommand(): QxlCommandRecord | null {
    return this.pull(this.cursorRing, 'cursor', QxlInterrupt.Cursor, false) as QxlCommandRecord | null;
  }

  private pull(ring: QxlRing, kind: 'command' | 'cursor', irq: number, any: boolean): QxlAnyCommandRecord | null {
    if (ring.isEmpty()) return null;
    const entry = readCommandEntry(this.ramView, ring.consItemOffset());
    if (ring.pop()) this.raise(irq);
    if (kind === 'command') this.stats.commands++;
    else this.stats.cursorCommands++;
    if (this.commandListeners.size > 0) {
      const ext: QxlCommandExt = { type: entry.type, data: entry.data, flags: 0, groupId: QXL_MEMSLOT_GROUP_GUEST };
      for (const listener of this.commandListeners) {
        try {
          listener({ ...ext }, kind);
        } catch (err) {
          this.log.error({ err, qxl: this.id, ring: kind }, 'qxl: command listener threw');
        }
      }
    }
    // Find the release info first: a command that fails to parse is still handed back.
    let where: GuestPtr | null = null;
    let releaseId = 0n;
    try {
      where = this.memory.translate(entry.data, 8, 'QXLReleaseInfo');
      releaseId = this.memory.view(where.region).getBigUint64(where.offset, true);
    } catch {
      where = null;
    }
    let record: QxlAnyCommandRecord;
    try {
      record = any ? this.parser.parseAnyCommand(entry, kind) : this.parser.parseCommand(entry, kind);
    } catch (err) {
      this.stats.rejected++;
      this.log.warn(
        { err, qxl: this.id, ring: kind, type: entry.type, addr: `0x${entry.data.toString(16)}` },
        'qxl: dropping a bad command',
      );
      if (where !== null) {
        this.track(releaseId, where);
        this.releaseResource(releaseId);
      }
      throw err;
    }
    if (where !== null) this.track(releaseIdOf(record), where);
    return record;
  }

  private track(releaseId: bigint, where: GuestPtr): void {
    const list = this.outstanding.get(releaseId);
    if (list) list.push(where);
    else this.outstanding.set(releaseId, [where]);
  }

  requestCommandNotification(): boolean {
    if (this.bug !== null) return true;
    return this.cmdRing.consWait();
  }

  requestCursorNotification(): boolean {
    return this.cursorRing.consWait();
  }

  releaseResource(releaseId: bigint): void {
    const list = this.outstanding.get(releaseId);
    const where = list?.pop();
    if (list === undefined || where === undefined) {
      // After a RESET the worker may still release records of the old generation.
      this.log.debug({ qxl: this.id, releaseId: releaseId.toString() }, 'qxl: release of an unknown id ignored');
      return;
    }
    if (list.length === 0) this.outstanding.delete(releaseId);
    const v = this.ramView;
    if (this.numFree === 0 || this.lastRelease === null) {
      // Head of a new chain: its id goes in the release ring item being filled.
      v.setBigUint64(this.releaseRing.prodItemOffset(), releaseId, true);
    } else {
      // Append: the previous release's info now points at this one.
      this.memory.view(this.lastRelease.region).setBigUint64(this.lastRelease.offset, releaseId, true);
    }
    this.memory.view(where.region).setBigUint64(where.offset, 0n, true);
    this.lastRelease = where;
    this.numFree++;
    this.stats.releases++;
    this.pushFreeRes(false);
  }

  flushResources(): number {
    const n = this.numFree;
    return this.pushFreeRes(true) ? n : 0;
  }

  /** QEMU's qxl_push_free_res: publish the chain being built as one release ring item. */
  private pushFreeRes(flush: boolean): boolean {
    if (this.numFree === 0) return false;
    const ring = this.releaseRing;
    // One slot (at prod) is always the chain being built: the ring is full one item early.
    if (ring.used() + 1 >= ring.numItems) return false;
    if (!flush && this.oomRunning) return false;
    // Beyond QEMU: a guest sleeping on the release ring (notify_on_prod = prod + 1) gets what there
    // is at once, so it never waits for a batch to fill up.
    const guestWaiting = ring.notifyOnProd === (ring.prod + 1) >>> 0;
    if (!flush && this.numFree < this.releaseBatch && !guestWaiting) return false;
    const notify = ring.push();
    this.ramView.setBigUint64(ring.prodItemOffset(), 0n, true);
    this.numFree = 0;
    this.lastRelease = null;
    this.stats.releasePushes++;
    if (notify) this.raise(QxlInterrupt.Display);
    return true;
  }

  asyncComplete(cookie: number): void {
    const pending = this.pendingAsync;
    if (pending === null || pending.cookie !== cookie) {
      if (cookie <= this.staleCookies) return;
      throw new QxlBadStateError('asyncComplete', 'cookie does not match the pending async IO', cookie);
    }
    this.pendingAsync = null;
    this.raise(QxlInterrupt.IoCmd);
  }
}

/** Creates a QXL device: allocates the BARs, writes the ROM and a RAM header with empty rings. */
export function createQxlDevice(init: QxlDeviceInit = {}): QxlDevice {
  return new QxlDeviceImpl(init);
}
