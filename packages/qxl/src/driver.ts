import { createHeapAllocator, type HeapAllocator } from './allocator.js';
import type { QxlDevice } from './device.js';
import { QxlBadSizeError, QxlBadStrideError, QxlBadValueError, QxlTooLargeError } from './errors.js';
import { QxlRegion } from './guest-memory.js';
import { type QxlLogger, silentLogger } from './logger.js';
import {
  isRgbBitmapFormat,
  QXL_BITMAP,
  QXL_BITMAP_FMT_BPP,
  QXL_BRUSH,
  QXL_CLIP,
  QXL_CLIP_RECTS,
  QXL_COMMAND_RING_ITEM_SIZE,
  QXL_COMMAND_RING_SIZE,
  QXL_COPY,
  QXL_COPY_BITS,
  QXL_CURSOR,
  QXL_CURSOR_CMD,
  QXL_CURSOR_HEADER,
  QXL_CURSOR_RING_SIZE,
  QXL_DATA_CHUNK,
  QXL_DRAWABLE,
  QXL_FILL,
  QXL_IMAGE,
  QXL_IMAGE_DESCRIPTOR,
  QXL_INTERRUPT_MASK,
  QXL_MEM_SLOT,
  QXL_POINT,
  QXL_RAM,
  QXL_RAM_MAGIC,
  QXL_RECT,
  QXL_RELEASE_RING_ITEM_SIZE,
  QXL_RELEASE_RING_SIZE,
  QXL_ROM,
  QXL_ROM_MAGIC,
  QXL_SURF_TYPE_PRIMARY,
  QXL_SURFACE_CREATE,
  QxlBitmapFlag,
  QxlBitmapFmt,
  QxlBrushType,
  QxlClipType,
  QxlCmdType,
  QxlCursorCmdType,
  QxlCursorType,
  QxlDrawType,
  QxlEffect,
  QxlImageFlag,
  QxlImageGroup,
  QxlImageType,
  QxlInterrupt,
  QxlIo,
  QxlRopd,
  QxlScaleMode,
  QxlSurfaceFmt,
  surfaceFormatBpp,
} from './qxl-dev.js';
import type { QxlRect } from './records.js';
import { createQxlRing, type QxlRing } from './ring.js';

/** What the driver needs of the device: the guest-visible half only. */
export type QxlGuestPort = Pick<QxlDevice, 'rom' | 'ram' | 'vram' | 'bars' | 'io' | 'onInterrupt'>;

export interface GuestDriverInit {
  logger?: QxlLogger;
  /** Split pixel data into QXLDataChunks of at most this many bytes. Default: one chunk. */
  maxChunkBytes?: number;
  /** Reset the device first, as the Linux driver does at load. Default true. */
  reset?: boolean;
  /** Add the RAM and VRAM memslots at creation. Default true. */
  setupMemslots?: boolean;
}

export interface CreatePrimaryOptions {
  width: number;
  height: number;
  /** SPICE_SURFACE_FMT_*; default 32 (xRGB). */
  format?: number;
  /** Bytes per row; negative for bottom-up. Default width * bpp / 8. */
  stride?: number;
  /** Use QXL_IO_CREATE_PRIMARY_ASYNC and wait for QXL_INTERRUPT_IO_CMD. Default false. */
  async?: boolean;
  /** QXLSurfaceCreate.position; default 0. */
  position?: number;
  /** QXLSurfaceCreate.mouse_mode; default 1. */
  mouseMode?: number;
  /** QXLSurfaceCreate.flags; default 0. */
  flags?: number;
}

/** Where a raw command structure points: the QXLPHYSICAL of `target` (+ `offset`) at `blocks[block][at]`. */
export interface QxlRawPointer {
  block: number;
  at: number;
  target: number;
  offset?: number;
}

/**
 * A command the caller laid out itself (the replay does): blocks of bytes the driver copies into
 * RAM, and the pointers between them, which the driver fills in once it knows where each block
 * went. `blocks[0]` is the command structure; it starts with QXLReleaseInfo, whose id the driver
 * sets. Everything is freed when the device releases the command, except the `keep` blocks.
 */
export interface QxlRawCommand {
  /** QXL_CMD_*. */
  type: number;
  blocks: readonly Uint8Array[];
  pointers?: readonly QxlRawPointer[];
  /** Indexes of blocks that outlive the command (surface memory); free them with `freeBlock`. */
  keep?: readonly number[];
  /** Called once the blocks are in RAM, with their RAM offsets, before the push. */
  onPlaced?: (offsets: readonly number[]) => void;
  /** Called when the device has released the command (after its blocks were freed). */
  onRelease?: () => void;
}

export interface DrawCopyOptions {
  surfaceId?: number;
  bbox: QxlRect;
  clip?: QxlRect[];
  pixels: Uint8Array;
  stride: number;
  width: number;
  height: number;
  /** SPICE_BITMAP_FMT_*, an RGB one (no palettes); default 32BIT. */
  format?: number;
  /** Rows are top to bottom. Default true. */
  topDown?: boolean;
  /** QXLImageDescriptor.id; default `(unique << 32) | QXL_IMAGE_GROUP_DRIVER`. */
  imageId?: bigint;
  /** Sets QXL_IMAGE_CACHE so the server may cache the image. Default false. */
  cacheable?: boolean;
}

export interface DrawFillOptions {
  surfaceId?: number;
  bbox: QxlRect;
  clip?: QxlRect[];
  /** Solid brush colour (xRGB). */
  color: number;
  /** SpiceRopd; default OP_PUT. */
  ropDescriptor?: number;
}

export interface DrawCopyBitsOptions {
  surfaceId?: number;
  /** Destination of the move. */
  bbox: QxlRect;
  clip?: QxlRect[];
  /** Top-left of the source area in the same surface (same size as bbox). */
  srcPos: { x: number; y: number };
}

export interface CursorShapeOptions {
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  /** SPICE_CURSOR_TYPE_*; default ALPHA (0). */
  type?: number;
  data: Uint8Array;
  unique?: bigint;
}

export interface CursorSetOptions {
  x: number;
  y: number;
  visible?: boolean;
  shape: CursorShapeOptions;
}

export interface GuestDriverStats {
  commandsPushed: number;
  cursorCommandsPushed: number;
  /** NOTIFY_CMD and NOTIFY_CURSOR kicks (only when the ring's notify_on_prod asked for one). */
  notifies: number;
  /** Commands whose resources came back through the release ring and were freed. */
  releasesProcessed: number;
  /** Bytes of device RAM allocated right now. */
  bytesAllocated: number;
  /** Bytes ever allocated. */
  bytesAllocatedTotal: number;
  oomNotifies: number;
  interrupts: number;
}

/**
 * A guest-side QXL driver: writes real QXL structures into device RAM and drives the rings and IO
 * ports as the Linux/X drivers do. The built-in demo guest draws through it.
 */
export interface GuestDriver {
  readonly stats: Readonly<GuestDriverStats>;
  /** Calls accepted and not yet pushed (waiting for ring room or memory), per ring. */
  readonly pending: Readonly<{ commands: number; cursor: number }>;
  /** Commands pushed whose release has not come back yet. */
  readonly outstanding: number;
  /** The allocator over the RAM pages (read it; do not allocate from it). */
  readonly heap: Readonly<
    Pick<HeapAllocator, 'start' | 'end' | 'freeBytes' | 'usedBytes' | 'largestFree' | 'allocations'>
  >;
  /** Memslot ids in use: RAM (index 0) and VRAM (index 1), i.e. slots_start + index. */
  readonly memslots: Readonly<{ ram: number; vram: number }>;
  /** QXL_IO_MEMSLOT_ADD for slot index 0 (RAM up to the header) and 1 (all VRAM). */
  addMemslots(): void;
  /** QXLPHYSICAL of a RAM or VRAM offset, through the driver's memslots. */
  physicalAddress(region: typeof QxlRegion.Ram | typeof QxlRegion.Vram, offset: number): bigint;
  createPrimary(options: CreatePrimaryOptions): Promise<void>;
  destroyPrimary(options?: { async?: boolean }): Promise<void>;
  updateArea(surfaceId: number, area: QxlRect, options?: { async?: boolean }): Promise<void>;
  drawCopy(options: DrawCopyOptions): Promise<void>;
  drawFill(options: DrawFillOptions): Promise<void>;
  /** QXL_COPY_BITS: moves an area of a surface within it (scrolling). */
  drawCopyBits(options: DrawCopyBitsOptions): Promise<void>;
  cursorSet(options: CursorSetOptions): Promise<void>;
  cursorMove(x: number, y: number): Promise<void>;
  cursorHide(): Promise<void>;
  /** QXL_IO_DESTROY_ALL_SURFACES (or its ASYNC variant, waiting for QXL_INTERRUPT_IO_CMD). */
  destroyAllSurfaces(options?: { async?: boolean }): Promise<void>;
  /**
   * Copies a caller-built command into RAM (waiting for memory), fills in its pointers and pushes
   * it on the command ring (`'commands'`) or the cursor ring, waiting for room like every call.
   */
  pushCommand(ring: 'commands' | 'cursor', command: QxlRawCommand): Promise<void>;
  /** Frees a block a raw command kept (`QxlRawCommand.keep`). */
  freeBlock(offset: number): void;
  /** Takes every chain off the release ring and frees what each released command owned. */
  processReleases(): number;
  /** Stops listening to interrupts. Pending calls stay pending. */
  close(): void;
}

/** A command the driver placed in RAM: the blocks it owns, freed when its release comes back. */
interface Resource {
  /** RAM offset of the command structure (its QXLReleaseInfo). */
  command: number;
  blocks: number[];
  onRelease?: () => void;
}

interface Waiter {
  bits: number;
  resolve: () => void;
}

type Ring = 'commands' | 'cursor';

/** One chunk allocation per this many bytes at most (keeps a chunk's data_size in u32). */
const MAX_CHUNK_DATA = 0x7fffffff;

class GuestDriverImpl implements GuestDriver {
  readonly stats: GuestDriverStats = {
    commandsPushed: 0,
    cursorCommandsPushed: 0,
    notifies: 0,
    releasesProcessed: 0,
    bytesAllocated: 0,
    bytesAllocatedTotal: 0,
    oomNotifies: 0,
    interrupts: 0,
  };
  readonly pending = { commands: 0, cursor: 0 };
  readonly memslots = { ram: 0, vram: 0 };
  private readonly dev: QxlGuestPort;
  private readonly log: QxlLogger;
  private readonly ram: Uint8Array;
  private readonly ramView: DataView;
  private readonly romView: DataView;
  private readonly ramWords: Int32Array;
  private readonly header: number;
  private readonly cmdRing: QxlRing;
  private readonly cursorRing: QxlRing;
  private readonly releaseRing: QxlRing;
  private readonly allocator: HeapAllocator;
  private readonly maxChunkBytes: number;
  private readonly resources = new Map<number, Resource>();
  private nextHandle = 1;
  private nextImageUnique = 1;
  private nextCursorUnique = 1n;
  private readonly tails: Record<Ring, Promise<void>> = { commands: Promise.resolve(), cursor: Promise.resolve() };
  private asyncTail: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];
  private readonly unsubscribe: () => void;
  // High u32 of the QXLPHYSICAL of offset 0 of the RAM and VRAM memslots.
  private ramHigh = 0;
  private vramHigh = 0;
  private offsetHighBits = 32;

  constructor(device: QxlGuestPort, init: GuestDriverInit) {
    this.dev = device;
    this.log = init.logger ?? silentLogger;
    this.ram = device.ram;
    this.ramView = new DataView(device.ram.buffer, device.ram.byteOffset, device.ram.byteLength);
    this.romView = new DataView(device.rom.buffer, device.rom.byteOffset, device.rom.byteLength);
    this.ramWords = new Int32Array(device.ram.buffer, device.ram.byteOffset, device.ram.byteLength >>> 2);
    const magic = this.romView.getUint32(QXL_ROM.magic, true);
    if (magic !== QXL_ROM_MAGIC) throw new QxlBadValueError('QXLRom.magic', magic, 'is not "QXRO"');
    this.header = this.romView.getUint32(QXL_ROM.ramHeaderOffset, true);
    if (this.header % 4 !== 0 || this.header + QXL_RAM.SIZE > device.ram.byteLength) {
      throw new QxlBadValueError('QXLRom.ram_header_offset', this.header, 'is outside the RAM BAR');
    }
    const ramMagic = this.ramView.getUint32(this.header + QXL_RAM.magic, true);
    if (ramMagic !== QXL_RAM_MAGIC) throw new QxlBadValueError('QXLRam.magic', ramMagic, 'is not "QXRA"');
    this.maxChunkBytes = Math.min(init.maxChunkBytes ?? MAX_CHUNK_DATA, MAX_CHUNK_DATA);
    if (!Number.isInteger(this.maxChunkBytes) || this.maxChunkBytes < 1) {
      throw new QxlBadValueError('maxChunkBytes', this.maxChunkBytes, 'must be a positive integer');
    }
    this.cmdRing = createQxlRing({
      bytes: this.ram,
      offset: this.header + QXL_RAM.cmdRing,
      numItems: QXL_COMMAND_RING_SIZE,
      itemSize: QXL_COMMAND_RING_ITEM_SIZE,
    });
    this.cursorRing = createQxlRing({
      bytes: this.ram,
      offset: this.header + QXL_RAM.cursorRing,
      numItems: QXL_CURSOR_RING_SIZE,
      itemSize: QXL_COMMAND_RING_ITEM_SIZE,
    });
    this.releaseRing = createQxlRing({
      bytes: this.ram,
      offset: this.header + QXL_RAM.releaseRing,
      numItems: QXL_RELEASE_RING_SIZE,
      itemSize: QXL_RELEASE_RING_ITEM_SIZE,
    });
    const pagesOffset = this.romView.getUint32(QXL_ROM.pagesOffset, true);
    const numPages = this.romView.getUint32(QXL_ROM.numPages, true);
    this.allocator = createHeapAllocator(pagesOffset, Math.min(pagesOffset + numPages * 4096, this.header));

    if (init.reset !== false) device.io(QxlIo.Reset, 0);
    this.unsubscribe = device.onInterrupt(() => this.interrupt());
    Atomics.store(this.ramWords, (this.header + QXL_RAM.intMask) >>> 2, QXL_INTERRUPT_MASK);
    device.io(QxlIo.UpdateIrq, 0);
    if (init.setupMemslots !== false) this.addMemslots();
  }

  get outstanding(): number {
    return this.resources.size;
  }

  get heap(): GuestDriver['heap'] {
    return this.allocator;
  }

  // ---- setup ----------------------------------------------------------------------------------

  addMemslots(): void {
    const rom = this.romView;
    const slotsStart = rom.getUint8(QXL_ROM.slotsStart);
    const idBits = rom.getUint8(QXL_ROM.slotIdBits);
    const genBits = rom.getUint8(QXL_ROM.slotGenBits);
    this.offsetHighBits = 32 - idBits - genBits;
    const setup = (index: number, start: number, end: number): number => {
      const slot = slotsStart + index;
      const m = this.header + QXL_RAM.memSlot;
      this.ramView.setBigUint64(m + QXL_MEM_SLOT.memStart, BigInt(start), true);
      this.ramView.setBigUint64(m + QXL_MEM_SLOT.memEnd, BigInt(end), true);
      this.dev.io(QxlIo.MemslotAdd, slot);
      // As the Linux driver: the generation is read after the slot was added.
      const generation = rom.getUint8(QXL_ROM.slotGeneration);
      return (((slot << genBits) | generation) * 2 ** this.offsetHighBits) >>> 0;
    };
    const bars = this.dev.bars;
    this.ramHigh = setup(0, bars.ram.base, bars.ram.base + this.header);
    this.memslots.ram = slotsStart;
    this.vramHigh = setup(1, bars.vram.base, bars.vram.base + bars.vram.size);
    this.memslots.vram = slotsStart + 1;
  }

  physicalAddress(region: typeof QxlRegion.Ram | typeof QxlRegion.Vram, offset: number): bigint {
    const high = region === QxlRegion.Ram ? this.ramHigh : this.vramHigh;
    return (BigInt(high) << 32n) | BigInt(offset);
  }

  /** Writes the QXLPHYSICAL of RAM offset `target` at RAM offset `at`. */
  private writeRamAddress(at: number, target: number): void {
    this.ramView.setUint32(at, target >>> 0, true);
    this.ramView.setUint32(at + 4, (this.ramHigh + Math.floor(target / 0x1_0000_0000)) >>> 0, true);
  }

  // ---- IO -------------------------------------------------------------------------------------

  async createPrimary(options: CreatePrimaryOptions): Promise<void> {
    const format = options.format ?? QxlSurfaceFmt.X8r8g8b8;
    const bpp = surfaceFormatBpp(format);
    if (bpp === 0) throw new QxlBadValueError('createPrimary format', format, 'is not a surface format');
    const { width, height } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new QxlBadSizeError(
        'createPrimary width * height',
        width * height,
        `(${width}x${height}) is not a valid size`,
      );
    }
    const stride = options.stride ?? Math.ceil((width * bpp) / 8 / 4) * 4;
    if (Math.abs(stride) * height > this.dev.vram.byteLength) {
      throw new QxlTooLargeError(
        'createPrimary |stride| * height',
        Math.abs(stride) * height,
        this.dev.vram.byteLength,
      );
    }
    const c = this.header + QXL_RAM.createSurface;
    const v = this.ramView;
    v.setUint32(c + QXL_SURFACE_CREATE.width, width, true);
    v.setUint32(c + QXL_SURFACE_CREATE.height, height, true);
    v.setInt32(c + QXL_SURFACE_CREATE.stride, stride, true);
    v.setUint32(c + QXL_SURFACE_CREATE.format, format, true);
    v.setUint32(c + QXL_SURFACE_CREATE.position, (options.position ?? 0) >>> 0, true);
    v.setUint32(c + QXL_SURFACE_CREATE.mouseMode, (options.mouseMode ?? 1) >>> 0, true);
    v.setUint32(c + QXL_SURFACE_CREATE.flags, (options.flags ?? 0) >>> 0, true);
    v.setUint32(c + QXL_SURFACE_CREATE.type, QXL_SURF_TYPE_PRIMARY, true);
    v.setBigUint64(c + QXL_SURFACE_CREATE.mem, this.physicalAddress(QxlRegion.Vram, 0), true);
    await this.ioMaybeAsync(options.async === true, QxlIo.CreatePrimary, QxlIo.CreatePrimaryAsync);
  }

  async destroyPrimary(options: { async?: boolean } = {}): Promise<void> {
    await this.ioMaybeAsync(options.async === true, QxlIo.DestroyPrimary, QxlIo.DestroyPrimaryAsync);
  }

  async destroyAllSurfaces(options: { async?: boolean } = {}): Promise<void> {
    await this.ioMaybeAsync(options.async === true, QxlIo.DestroyAllSurfaces, QxlIo.DestroyAllSurfacesAsync);
  }

  async updateArea(surfaceId: number, area: QxlRect, options: { async?: boolean } = {}): Promise<void> {
    const a = this.header + QXL_RAM.updateArea;
    writeRect(this.ramView, a, area);
    this.ramView.setUint32(this.header + QXL_RAM.updateSurface, surfaceId >>> 0, true);
    await this.ioMaybeAsync(options.async === true, QxlIo.UpdateArea, QxlIo.UpdateAreaAsync);
  }

  /** Sync IO: one port write. Async IO: one at a time, each waits for QXL_INTERRUPT_IO_CMD. */
  private ioMaybeAsync(async: boolean, syncPort: number, asyncPort: number): Promise<void> {
    if (!async) {
      this.dev.io(syncPort, 0);
      return Promise.resolve();
    }
    const run = this.asyncTail.then(() => {
      const done = this.waitInterrupt(QxlInterrupt.IoCmd);
      this.dev.io(asyncPort, 0);
      return done;
    });
    this.asyncTail = run.catch(() => {});
    return run;
  }

  // ---- interrupts -----------------------------------------------------------------------------

  private interrupt(): void {
    const pending = Atomics.exchange(this.ramWords, (this.header + QXL_RAM.intPending) >>> 2, 0) >>> 0;
    if (pending === 0) return;
    this.stats.interrupts++;
    if (pending & QxlInterrupt.Display) this.processReleases();
    if (pending & QxlInterrupt.Error) this.log.warn({ pending }, 'qxl driver: device reports a guest bug');
    if (this.waiters.length > 0) {
      const woken = this.waiters.filter((w) => (w.bits & pending) !== 0);
      this.waiters = this.waiters.filter((w) => (w.bits & pending) === 0);
      for (const w of woken) w.resolve();
    }
    Atomics.store(this.ramWords, (this.header + QXL_RAM.intMask) >>> 2, QXL_INTERRUPT_MASK);
    this.dev.io(QxlIo.UpdateIrq, 0);
  }

  private waitInterrupt(bits: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ bits, resolve });
    });
  }

  close(): void {
    this.unsubscribe();
  }

  // ---- releases and memory --------------------------------------------------------------------

  processReleases(): number {
    const ring = this.releaseRing;
    let freed = 0;
    while (!ring.isEmpty()) {
      let id = this.ramView.getBigUint64(ring.consItemOffset(), true);
      ring.pop();
      // A chain cannot be longer than what is outstanding; the bound keeps a bad chain finite.
      let budget = this.resources.size;
      while (id !== 0n && budget-- > 0) {
        const handle = id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : -1;
        const resource = this.resources.get(handle);
        if (resource === undefined) {
          this.log.error({ releaseId: id.toString() }, 'qxl driver: release of an unknown id');
          break;
        }
        id = this.ramView.getBigUint64(resource.command, true);
        this.resources.delete(handle);
        for (const block of resource.blocks) this.allocator.free(block);
        freed++;
        resource.onRelease?.();
      }
    }
    this.stats.releasesProcessed += freed;
    this.stats.bytesAllocated = this.allocator.usedBytes;
    return freed;
  }

  private tryAllocate(sizes: readonly number[]): number[] | null {
    const blocks: number[] = [];
    for (const size of sizes) {
      const block = this.allocator.alloc(size);
      if (block === null) {
        for (const b of blocks) this.allocator.free(b);
        return null;
      }
      blocks.push(block);
    }
    return blocks;
  }

  /** Allocates now if possible (after taking releases back); null if the caller must wait. */
  private allocateNow(sizes: readonly number[]): number[] | null {
    const blocks = this.tryAllocate(sizes);
    if (blocks !== null || this.processReleases() === 0) return blocks;
    return this.tryAllocate(sizes);
  }

  /**
   * Allocates, waiting for memory when short: take releases back, else ask for the next release
   * push (notify_on_prod) and kick NOTIFY_OOM, then sleep until QXL_INTERRUPT_DISPLAY.
   */
  private async allocate(sizes: readonly number[]): Promise<number[]> {
    for (;;) {
      const blocks = this.allocateNow(sizes);
      if (blocks !== null) return blocks;
      const ring = this.releaseRing;
      ring.notifyOnProd = (ring.prod + 1) >>> 0;
      if (!ring.isEmpty()) continue;
      this.stats.oomNotifies++;
      this.dev.io(QxlIo.NotifyOom, 0);
      if (!ring.isEmpty()) continue;
      await this.waitInterrupt(QxlInterrupt.Display);
    }
  }

  private checkFits(sizes: readonly number[]): void {
    const capacity = this.allocator.end - this.allocator.start;
    let total = 0;
    for (const size of sizes) total += Math.ceil(size / 8) * 8;
    if (total > capacity) throw new QxlTooLargeError('allocation', total, capacity);
  }

  private own(blocks: readonly number[], sizes: readonly number[], command: number): number {
    const handle = this.nextHandle++;
    this.resources.set(handle, { command, blocks: [...blocks] });
    let bytes = 0;
    for (const size of sizes) bytes += size;
    this.stats.bytesAllocatedTotal += bytes;
    this.stats.bytesAllocated = this.allocator.usedBytes;
    return handle;
  }

  // ---- rings ----------------------------------------------------------------------------------

  private ringOf(ring: Ring): QxlRing {
    return ring === 'commands' ? this.cmdRing : this.cursorRing;
  }

  /**
   * Runs `build` (which writes the structures and returns the command's RAM offset and type) once
   * memory and a ring slot are available, then pushes and kicks the device if the ring asks for it.
   * Calls on the same ring complete in order.
   */
  private submit(
    ring: Ring,
    sizes: readonly number[],
    build: (blocks: number[]) => { command: number; type: number },
  ): Promise<void> {
    this.checkFits(sizes);
    const r = this.ringOf(ring);
    if (this.pending[ring] === 0 && !r.isFull()) {
      const blocks = this.allocateNow(sizes);
      if (blocks !== null) {
        this.push(ring, build(blocks));
        return Promise.resolve();
      }
    }
    this.pending[ring]++;
    const run = this.tails[ring].then(async () => {
      const blocks = await this.allocate(sizes);
      const built = build(blocks);
      const irq = ring === 'commands' ? QxlInterrupt.Display : QxlInterrupt.Cursor;
      while (r.prodWait()) await this.waitInterrupt(irq);
      this.push(ring, built);
    });
    const done = run.finally(() => {
      this.pending[ring]--;
    });
    this.tails[ring] = done.catch(() => {});
    return done;
  }

  private push(ring: Ring, built: { command: number; type: number }): void {
    const r = this.ringOf(ring);
    const item = r.prodItemOffset();
    this.writeRamAddress(item, built.command);
    this.ramView.setUint32(item + 8, built.type, true);
    this.ramView.setUint32(item + 12, 0, true);
    if (ring === 'commands') this.stats.commandsPushed++;
    else this.stats.cursorCommandsPushed++;
    if (r.push()) {
      this.stats.notifies++;
      this.dev.io(ring === 'commands' ? QxlIo.NotifyCmd : QxlIo.NotifyCursor, 0);
    }
  }

  // ---- raw commands ---------------------------------------------------------------------------

  pushCommand(ring: Ring, c: QxlRawCommand): Promise<void> {
    const n = c.blocks.length;
    if (n === 0) throw new QxlBadValueError('pushCommand blocks', 0, 'is empty: block 0 must be the command');
    const first = c.blocks[0] as Uint8Array;
    if (first.byteLength < 8) throw new QxlBadSizeError('pushCommand blocks[0]', first.byteLength, 'is below 8 bytes');
    for (const p of c.pointers ?? []) {
      const from = c.blocks[p.block];
      if (from === undefined || c.blocks[p.target] === undefined || p.at < 0 || p.at + 8 > from.byteLength) {
        throw new QxlBadValueError(
          'pushCommand pointers',
          `${p.block}:${p.at} -> ${p.target}`,
          'is outside the blocks',
        );
      }
    }
    const keep = new Set(c.keep ?? []);
    if (keep.has(0)) throw new QxlBadValueError('pushCommand keep', 0, 'cannot hold the command block');
    // A zero-size block still gets its own allocation so every block has a distinct address.
    const sizes = c.blocks.map((b) => Math.max(b.byteLength, 1));
    return this.submit(ring, sizes, (blocks) => {
      const owned = blocks.filter((_, i) => !keep.has(i));
      const handle = this.own(owned, sizes, blocks[0] as number);
      if (c.onRelease) (this.resources.get(handle) as Resource).onRelease = c.onRelease;
      for (let i = 0; i < n; i++) this.ram.set(c.blocks[i] as Uint8Array, blocks[i] as number);
      for (const p of c.pointers ?? []) {
        this.writeRamAddress((blocks[p.block] as number) + p.at, (blocks[p.target] as number) + (p.offset ?? 0));
      }
      this.ramView.setBigUint64(blocks[0] as number, BigInt(handle), true);
      c.onPlaced?.(blocks);
      return { command: blocks[0] as number, type: c.type };
    });
  }

  freeBlock(offset: number): void {
    this.allocator.free(offset);
    this.stats.bytesAllocated = this.allocator.usedBytes;
  }

  // ---- drawing --------------------------------------------------------------------------------

  drawCopy(o: DrawCopyOptions): Promise<void> {
    const format = o.format ?? QxlBitmapFmt.Bit32;
    if (!isRgbBitmapFormat(format))
      throw new QxlBadValueError('drawCopy format', format, 'is not an RGB bitmap format');
    const { width, height, stride } = o;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new QxlBadSizeError('drawCopy width * height', width * height, `(${width}x${height}) is not a valid size`);
    }
    const bpp = QXL_BITMAP_FMT_BPP[format] as number;
    if (!Number.isInteger(stride) || stride < Math.ceil((width * bpp) / 8)) {
      throw new QxlBadStrideError(
        'drawCopy stride',
        stride,
        `is below the ${Math.ceil((width * bpp) / 8)} bytes of a row`,
      );
    }
    const dataSize = stride * height;
    if (o.pixels.byteLength < dataSize) {
      throw new QxlBadSizeError(
        'drawCopy pixels',
        o.pixels.byteLength,
        `bytes are fewer than stride * height = ${dataSize}`,
      );
    }
    const chunkSizes: number[] = [];
    for (let left = dataSize; left > 0; left -= this.maxChunkBytes) chunkSizes.push(Math.min(left, this.maxChunkBytes));
    const clip = o.clip ?? null;
    const sizes: number[] = [QXL_DRAWABLE.SIZE, QXL_IMAGE.SIZE, ...chunkSizes.map((n) => QXL_DATA_CHUNK.SIZE + n)];
    if (clip !== null) sizes.push(clipBytes(clip));
    const pixels = o.pixels;
    const imageId = o.imageId;
    const cacheable = o.cacheable === true;
    const topDown = o.topDown !== false;
    return this.submit('commands', sizes, (blocks) => {
      const [drawable, image, ...rest] = blocks as [number, number, ...number[]];
      const chunks = rest.slice(0, chunkSizes.length);
      const handle = this.own(blocks, sizes, drawable);
      const v = this.ramView;
      // Image + bitmap.
      this.ram.fill(0, image, image + QXL_IMAGE.SIZE);
      const id = imageId ?? (BigInt(this.nextImageUnique++) << 32n) | BigInt(QxlImageGroup.Driver);
      v.setBigUint64(image + QXL_IMAGE_DESCRIPTOR.id, BigInt.asUintN(64, id), true);
      v.setUint8(image + QXL_IMAGE_DESCRIPTOR.type, QxlImageType.Bitmap);
      v.setUint8(image + QXL_IMAGE_DESCRIPTOR.flags, cacheable ? QxlImageFlag.Cache : 0);
      v.setUint32(image + QXL_IMAGE_DESCRIPTOR.width, width, true);
      v.setUint32(image + QXL_IMAGE_DESCRIPTOR.height, height, true);
      const b = image + QXL_IMAGE.bitmap;
      v.setUint8(b + QXL_BITMAP.format, format);
      v.setUint8(b + QXL_BITMAP.flags, topDown ? QxlBitmapFlag.TopDown : 0);
      v.setUint32(b + QXL_BITMAP.x, width, true);
      v.setUint32(b + QXL_BITMAP.y, height, true);
      v.setUint32(b + QXL_BITMAP.stride, stride, true);
      this.writeRamAddress(b + QXL_BITMAP.data, chunks[0] as number);
      // Pixel data, chunked.
      let pos = 0;
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i] as number;
        const size = chunkSizes[i] as number;
        v.setUint32(chunk + QXL_DATA_CHUNK.dataSize, size, true);
        if (i > 0) this.writeRamAddress(chunk + QXL_DATA_CHUNK.prevChunk, chunks[i - 1] as number);
        else v.setBigUint64(chunk + QXL_DATA_CHUNK.prevChunk, 0n, true);
        if (i + 1 < chunks.length) this.writeRamAddress(chunk + QXL_DATA_CHUNK.nextChunk, chunks[i + 1] as number);
        else v.setBigUint64(chunk + QXL_DATA_CHUNK.nextChunk, 0n, true);
        this.ram.set(pixels.subarray(pos, pos + size), chunk + QXL_DATA_CHUNK.data);
        pos += size;
      }
      // Drawable.
      this.writeDrawableHeader(
        drawable,
        handle,
        o.surfaceId ?? 0,
        QxlDrawType.Copy,
        o.bbox,
        clip,
        rest[chunkSizes.length],
      );
      const u = drawable + QXL_DRAWABLE.u;
      this.writeRamAddress(u + QXL_COPY.srcBitmap, image);
      writeRect(v, u + QXL_COPY.srcArea, { top: 0, left: 0, bottom: height, right: width });
      v.setUint16(u + QXL_COPY.ropDescriptor, QxlRopd.OpPut, true);
      v.setUint8(u + QXL_COPY.scaleMode, QxlScaleMode.Interpolate);
      return { command: drawable, type: QxlCmdType.Draw };
    });
  }

  drawFill(o: DrawFillOptions): Promise<void> {
    const clip = o.clip ?? null;
    const sizes: number[] = [QXL_DRAWABLE.SIZE];
    if (clip !== null) sizes.push(clipBytes(clip));
    const rop = o.ropDescriptor ?? QxlRopd.OpPut;
    const color = o.color >>> 0;
    return this.submit('commands', sizes, (blocks) => {
      const drawable = blocks[0] as number;
      const handle = this.own(blocks, sizes, drawable);
      this.writeDrawableHeader(drawable, handle, o.surfaceId ?? 0, QxlDrawType.Fill, o.bbox, clip, blocks[1]);
      const v = this.ramView;
      const u = drawable + QXL_DRAWABLE.u;
      v.setUint32(u + QXL_FILL.brush + QXL_BRUSH.type, QxlBrushType.Solid, true);
      v.setUint32(u + QXL_FILL.brush + QXL_BRUSH.color, color, true);
      v.setUint16(u + QXL_FILL.ropDescriptor, rop, true);
      return { command: drawable, type: QxlCmdType.Draw };
    });
  }

  drawCopyBits(o: DrawCopyBitsOptions): Promise<void> {
    for (const [name, value] of [
      ['x', o.srcPos.x],
      ['y', o.srcPos.y],
    ] as const) {
      if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff)
        throw new QxlBadValueError(`drawCopyBits srcPos.${name}`, value, 'is not an int32');
    }
    const clip = o.clip ?? null;
    const sizes: number[] = [QXL_DRAWABLE.SIZE];
    if (clip !== null) sizes.push(clipBytes(clip));
    return this.submit('commands', sizes, (blocks) => {
      const drawable = blocks[0] as number;
      const handle = this.own(blocks, sizes, drawable);
      this.writeDrawableHeader(drawable, handle, o.surfaceId ?? 0, QxlDrawType.CopyBits, o.bbox, clip, blocks[1]);
      const u = drawable + QXL_DRAWABLE.u;
      this.ramView.setInt32(u + QXL_COPY_BITS.srcPos + QXL_POINT.x, o.srcPos.x, true);
      this.ramView.setInt32(u + QXL_COPY_BITS.srcPos + QXL_POINT.y, o.srcPos.y, true);
      return { command: drawable, type: QxlCmdType.Draw };
    });
  }

  /** Zeroes the drawable and writes everything but the per-type union. */
  private writeDrawableHeader(
    d: number,
    handle: number,
    surfaceId: number,
    type: number,
    bbox: QxlRect,
    clip: QxlRect[] | null,
    clipBlock: number | undefined,
  ): void {
    const v = this.ramView;
    this.ram.fill(0, d, d + QXL_DRAWABLE.SIZE);
    v.setBigUint64(d + QXL_DRAWABLE.releaseInfo, BigInt(handle), true);
    v.setUint32(d + QXL_DRAWABLE.surfaceId, surfaceId >>> 0, true);
    v.setUint8(d + QXL_DRAWABLE.effect, QxlEffect.Opaque);
    v.setUint8(d + QXL_DRAWABLE.type, type);
    writeRect(v, d + QXL_DRAWABLE.bbox, bbox);
    v.setUint32(d + QXL_DRAWABLE.mmTime, this.romView.getUint32(QXL_ROM.mmClock, true), true);
    for (let i = 0; i < 3; i++) v.setInt32(d + QXL_DRAWABLE.surfacesDest + 4 * i, -1, true);
    const c = d + QXL_DRAWABLE.clip;
    if (clip === null || clipBlock === undefined) {
      v.setUint32(c + QXL_CLIP.type, QxlClipType.None, true);
      return;
    }
    v.setUint32(c + QXL_CLIP.type, QxlClipType.Rects, true);
    this.writeRamAddress(c + QXL_CLIP.data, clipBlock);
    v.setUint32(clipBlock + QXL_CLIP_RECTS.numRects, clip.length, true);
    const chunk = clipBlock + QXL_CLIP_RECTS.chunk;
    v.setUint32(chunk + QXL_DATA_CHUNK.dataSize, clip.length * QXL_RECT.SIZE, true);
    v.setBigUint64(chunk + QXL_DATA_CHUNK.prevChunk, 0n, true);
    v.setBigUint64(chunk + QXL_DATA_CHUNK.nextChunk, 0n, true);
    for (let i = 0; i < clip.length; i++) {
      writeRect(v, chunk + QXL_DATA_CHUNK.data + i * QXL_RECT.SIZE, clip[i] as QxlRect);
    }
  }

  // ---- cursor ---------------------------------------------------------------------------------

  cursorSet(o: CursorSetOptions): Promise<void> {
    const s = o.shape;
    const type = s.type ?? QxlCursorType.Alpha;
    if (!Number.isInteger(type) || type < 0 || type > QxlCursorType.Color32) {
      throw new QxlBadValueError('cursorSet type', type, 'is not a SPICE_CURSOR_TYPE');
    }
    for (const [name, value] of [
      ['width', s.width],
      ['height', s.height],
      ['hotX', s.hotX],
      ['hotY', s.hotY],
    ] as const) {
      if (!Number.isInteger(value) || value < 0 || value > 0xffff)
        throw new QxlBadValueError(`cursorSet ${name}`, value, 'is not a u16');
    }
    if (type === QxlCursorType.Alpha && s.data.byteLength < s.width * s.height * 4) {
      throw new QxlBadSizeError(
        'cursorSet data',
        s.data.byteLength,
        `bytes are fewer than the ${s.width * s.height * 4} of a ${s.width}x${s.height} ALPHA cursor`,
      );
    }
    const data = s.data;
    const unique = s.unique ?? this.nextCursorUnique++;
    const sizes: number[] = [QXL_CURSOR_CMD.SIZE, QXL_CURSOR.SIZE + data.byteLength];
    return this.submit('cursor', sizes, (blocks) => {
      const [cmd, shape] = blocks as [number, number];
      const handle = this.own(blocks, sizes, cmd);
      const v = this.ramView;
      this.writeCursorHeader(cmd, handle, QxlCursorCmdType.Set);
      v.setInt16(cmd + QXL_CURSOR_CMD.position, o.x, true);
      v.setInt16(cmd + QXL_CURSOR_CMD.position + 2, o.y, true);
      v.setUint8(cmd + QXL_CURSOR_CMD.setVisible, o.visible === false ? 0 : 1);
      this.writeRamAddress(cmd + QXL_CURSOR_CMD.setShape, shape);
      const h = shape + QXL_CURSOR.header;
      v.setBigUint64(h + QXL_CURSOR_HEADER.unique, BigInt.asUintN(64, unique), true);
      v.setUint16(h + QXL_CURSOR_HEADER.type, type, true);
      v.setUint16(h + QXL_CURSOR_HEADER.width, s.width, true);
      v.setUint16(h + QXL_CURSOR_HEADER.height, s.height, true);
      v.setUint16(h + QXL_CURSOR_HEADER.hotSpotX, s.hotX, true);
      v.setUint16(h + QXL_CURSOR_HEADER.hotSpotY, s.hotY, true);
      v.setUint32(shape + QXL_CURSOR.dataSize, data.byteLength, true);
      const chunk = shape + QXL_CURSOR.chunk;
      v.setUint32(chunk + QXL_DATA_CHUNK.dataSize, data.byteLength, true);
      v.setBigUint64(chunk + QXL_DATA_CHUNK.prevChunk, 0n, true);
      v.setBigUint64(chunk + QXL_DATA_CHUNK.nextChunk, 0n, true);
      this.ram.set(data, chunk + QXL_DATA_CHUNK.data);
      return { command: cmd, type: QxlCmdType.Cursor };
    });
  }

  cursorMove(x: number, y: number): Promise<void> {
    const sizes: number[] = [QXL_CURSOR_CMD.SIZE];
    return this.submit('cursor', sizes, (blocks) => {
      const cmd = blocks[0] as number;
      this.writeCursorHeader(cmd, this.own(blocks, sizes, cmd), QxlCursorCmdType.Move);
      this.ramView.setInt16(cmd + QXL_CURSOR_CMD.position, x, true);
      this.ramView.setInt16(cmd + QXL_CURSOR_CMD.position + 2, y, true);
      return { command: cmd, type: QxlCmdType.Cursor };
    });
  }

  cursorHide(): Promise<void> {
    const sizes: number[] = [QXL_CURSOR_CMD.SIZE];
    return this.submit('cursor', sizes, (blocks) => {
      const cmd = blocks[0] as number;
      this.writeCursorHeader(cmd, this.own(blocks, sizes, cmd), QxlCursorCmdType.Hide);
      return { command: cmd, type: QxlCmdType.Cursor };
    });
  }

  private writeCursorHeader(cmd: number, handle: number, type: number): void {
    this.ram.fill(0, cmd, cmd + QXL_CURSOR_CMD.SIZE);
    this.ramView.setBigUint64(cmd + QXL_CURSOR_CMD.releaseInfo, BigInt(handle), true);
    this.ramView.setUint8(cmd + QXL_CURSOR_CMD.type, type);
  }
}

function writeRect(v: DataView, o: number, r: QxlRect): void {
  v.setInt32(o + QXL_RECT.top, r.top, true);
  v.setInt32(o + QXL_RECT.left, r.left, true);
  v.setInt32(o + QXL_RECT.bottom, r.bottom, true);
  v.setInt32(o + QXL_RECT.right, r.right, true);
}

function clipBytes(clip: readonly QxlRect[]): number {
  return QXL_CLIP_RECTS.SIZE + clip.length * QXL_RECT.SIZE;
}

/**
 * Creates a guest driver on `device`: checks the ROM and RAM magic, resets the device, unmasks the
 * interrupts and adds the RAM and VRAM memslots (unless told not to).
 */
export function createGuestDriver(device: QxlGuestPort, init: GuestDriverInit = {}): GuestDriver {
  return new GuestDriverImpl(device, init);
}
