import { copyBits, drawCopyBitmap, drawSolidFill } from '@spice-ts/canvas';
import {
  type Logger,
  type OutgoingMessage,
  type PipeItem,
  RedChannel,
  type RedChannelClient,
  type RedClient,
  silentLogger,
  UnexpectedMessageError,
} from '@spice-ts/channel';
import { createGlzDictionary, type EncoderPool, type GlzDictionary } from '@spice-ts/codecs';
import type { LoopStats } from '@spice-ts/loop';
import {
  CapabilitySet,
  ChannelType,
  DisplayCap,
  DisplayMsgc,
  display,
  ImageType,
  MouseMode,
  type SpiceImage,
  SurfaceFlags,
} from '@spice-ts/protocol';
import {
  type QxlAnyCommandRecord,
  type QxlAnyDrawable,
  QxlBitmapFlag,
  type QxlDevice,
  type QxlPrimarySurface,
  type QxlRect,
  QxlRegion,
  type QxlWorkerCallbacks,
} from '@spice-ts/qxl';
import { CursorState } from './cursor-state.js';
import { createDisplaySurface, type DisplaySurface } from './display-surface.js';
import {
  type ClientImageEncoding,
  encodePixels,
  encodePixelsOffThread,
  IMAGE_COMPRESSION_BY_NUMBER,
  type ImageCompressionMode,
  type ImageOffload,
  marshalDrawable,
  SharedImageEncodes,
  toClip,
} from './draw-messages.js';
import { EncodeTimes } from './encode-times.js';
import { BadCommandError, UnsupportedDrawError } from './errors.js';
import {
  COMMANDS_PER_PASS,
  DISPLAY_ACK_WINDOW,
  DISPLAY_MAX_CLIENT_MESSAGE,
  DISPLAY_MAX_PIPE_BYTES,
  DISPLAY_PING,
  DRAW_OVERHEAD_BYTES,
  GLZ_MAX_WINDOW_PIXELS,
  OFFLOAD_MIN_PIXELS,
  SERVER_IMAGE_GROUP,
} from './limits.js';

export interface DisplayWorkerInit {
  device: QxlDevice;
  /** Channel id of the display and cursor channels (the QXL instance number). */
  id?: number;
  logger?: Logger;
  stats?: LoopStats;
  /** Pipe bound per display/cursor client, in bytes. */
  maxPipeBytes?: number;
  /** Image compression for clients (upstream's modes). Default off. */
  imageCompression?: ImageCompressionMode;
  /**
   * Encoder threads for large images (QUIC, LZ, LZ4), so that one big encode never holds the
   * event loop; images of `offloadMinPixels` pixels or more go there. Without a pool everything is
   * encoded on this thread.
   */
  encoderPool?: EncoderPool;
  /** Default OFFLOAD_MIN_PIXELS. */
  offloadMinPixels?: number;
  /**
   * When a client's pipe goes over its byte bound, replace its outstanding drawing of each surface
   * by one image of that surface, and its outstanding cursor updates by one cursor set, so that a
   * slow client never holds the guest back (default true). With false the worker stops taking
   * guest commands while a pipe is full, as upstream does.
   */
  squash?: boolean;
}

/** Image descriptor types to the names of `imageCounts`. */
const IMAGE_KIND: Readonly<Record<number, string>> = {
  [ImageType.LzRgb]: 'lz',
  [ImageType.Quic]: 'quic',
  [ImageType.GlzRgb]: 'glz',
  [ImageType.Lz4]: 'lz4',
};

interface DisplayClientState {
  /** DISPLAY_INIT received: the client is ready for surfaces and drawing. */
  ready: boolean;
  /** How this client's images are encoded (mode, GLZ dictionary, LZ4). */
  encoding: ClientImageEncoding;
}

/**
 * The display worker of one QXL device: it pulls commands from the device while every client
 * pipe has room, keeps each surface rendered, forwards draw operations to every ready client as
 * draw messages, and releases guest resources. It runs the display and the cursor channel.
 *
 * It never polls: it is woken by the guest's NOTIFY_CMD (after asking for it), or by a client
 * pipe running empty after the worker stopped because pipes were full.
 */
export class DisplayWorker implements QxlWorkerCallbacks {
  readonly device: QxlDevice;
  readonly displayChannel: RedChannel;
  readonly cursorChannel: RedChannel;
  readonly logger: Logger;
  readonly stats: LoopStats | undefined;
  readonly cursor = new CursorState();
  readonly counters = { commands: 0, dropped: 0, released: 0, passes: 0, squashes: 0 };
  private readonly surfaces = new Map<number, DisplaySurface>();
  /** Where each surface lives in guest memory (QXLPHYSICAL and stride; negative: bottom-up). */
  private readonly surfaceMemory = new Map<number, { address: bigint; stride: number }>();
  private readonly clientState = new WeakMap<RedChannelClient, DisplayClientState>();
  /** One GLZ dictionary per viewer, shared by all its display channels (as upstream). */
  private readonly glzDictionaries = new WeakMap<RedClient, GlzDictionary>();
  private processScheduled = false;
  private cursorScheduled = false;
  private blockedOnPipes = false;
  private cursorBlockedOnPipes = false;
  private mouseMode: number = MouseMode.Server;
  private imageUnique = 0n;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly readyWaiters: Array<() => void> = [];
  readonly imageCompression: ImageCompressionMode;
  private readonly offload: ImageOffload | null;
  private readonly squashEnabled: boolean;
  /** The surface each queued drawing item paints (for squashing). */
  private readonly drawItemSurface = new WeakMap<PipeItem, number>();

  constructor(init: DisplayWorkerInit) {
    this.device = init.device;
    this.logger = (init.logger ?? silentLogger).child({ component: 'display-worker' });
    this.stats = init.stats;
    this.imageCompression = init.imageCompression ?? 'off';
    this.squashEnabled = init.squash ?? true;
    this.offload = init.encoderPool
      ? { pool: init.encoderPool, minPixels: init.offloadMinPixels ?? OFFLOAD_MIN_PIXELS }
      : null;
    const id = init.id ?? 0;
    const common = {
      id,
      handleAcks: true,
      ackWindow: DISPLAY_ACK_WINDOW,
      maxMessageSize: DISPLAY_MAX_CLIENT_MESSAGE,
      ping: DISPLAY_PING,
      maxPipeBytes: init.maxPipeBytes ?? DISPLAY_MAX_PIPE_BYTES,
      multiClient: true,
      logger: init.logger ?? silentLogger,
      ...(init.stats ? { stats: init.stats } : {}),
    };
    this.displayChannel = new RedChannel({
      ...common,
      type: ChannelType.Display,
      name: `display:${id}`,
      caps: CapabilitySet.of(DisplayCap.MonitorsConfig, DisplayCap.PrefCompression),
      handler: {
        connect: (rcc) => this.onDisplayConnect(rcc),
        handleMessage: (rcc, message) => this.onDisplayMessage(rcc, message.type, message.body),
        disconnect: () => this.schedule(),
        squash: (rcc, items) => this.squashDisplayPipe(rcc, items),
      },
    });
    this.cursorChannel = new RedChannel({
      ...common,
      type: ChannelType.Cursor,
      name: `cursor:${id}`,
      handler: {
        connect: (rcc) => this.onCursorConnect(rcc),
        squash: (_rcc, items) => this.squashCursorPipe(items),
        handleMessage: (rcc, message) => {
          throw new UnexpectedMessageError(rcc.channel.name, message.type);
        },
        disconnect: () => this.scheduleCursor(),
      },
    });
    this.device.attachWorker(this);
  }

  // ---- state for embedders and tests ------------------------------------------------------------

  /** The rendered primary surface, or null before the guest created one. */
  primarySurface(): DisplaySurface | null {
    return this.surfaces.get(0) ?? null;
  }

  surface(id: number): DisplaySurface | null {
    return this.surfaces.get(id) ?? null;
  }

  /** Mouse mode decides whether cursor moves are forwarded (server mode only, as upstream). */
  setMouseMode(mode: number): void {
    this.mouseMode = mode;
  }

  /**
   * Resolves once the guest's rings are empty and every client pipe is empty: everything the
   * guest drew so far has been rendered and handed to the sockets.
   */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.schedule();
      this.scheduleCursor();
    });
  }

  /**
   * Resolves once a display client is ready for drawing (it sent DISPLAY_INIT): at once if one is
   * already, else when the first one is.
   */
  whenClientReady(): Promise<void> {
    if ([...this.readyDisplayClients()].length > 0) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  // ---- QXL worker callbacks -------------------------------------------------------------------

  notifyCommands(): void {
    this.stats?.recordWakeup('qxl:notify-cmd');
    this.schedule();
  }

  notifyCursor(): void {
    this.stats?.recordWakeup('qxl:notify-cursor');
    this.scheduleCursor();
  }

  createPrimary(primary: QxlPrimarySurface, async: { cookie: number } | null): void {
    try {
      if (this.surfaces.has(0)) throw new BadCommandError('create primary: a primary surface exists already');
      const surface = createDisplaySurface(0, primary.width, primary.height, primary.format, true);
      this.surfaces.set(0, surface);
      this.surfaceMemory.set(0, { address: primary.mem, stride: primary.stride });
      this.logger.info(
        { width: primary.width, height: primary.height, format: primary.format },
        'primary surface created',
      );
      for (const rcc of this.readyDisplayClients()) this.sendSurfaceCreate(rcc, surface, false);
    } catch (error) {
      this.logger.error({ err: error }, 'create primary refused');
    } finally {
      if (async) this.device.asyncComplete(async.cookie);
    }
  }

  destroyPrimary(async: { cookie: number } | null): void {
    this.drainCommands();
    if (this.forgetSurface(0)) {
      for (const rcc of this.readyDisplayClients()) {
        rcc.send(
          { type: display.surfaceDestroy.type, body: display.surfaceDestroy.encode({ surfaceId: 0 }) },
          'surface-destroy',
        );
      }
      this.logger.info({}, 'primary surface destroyed');
    }
    if (async) this.device.asyncComplete(async.cookie);
  }

  updateArea(surfaceId: number, area: QxlRect, async: { cookie: number } | null): void {
    // Everything the guest queued before the request is rendered first, whatever the clients do,
    // then the area goes back into the guest's own surface memory.
    this.drainCommands();
    try {
      this.writeBack(surfaceId, area);
    } catch (error) {
      this.logger.warn({ surfaceId, area, reason: (error as Error).message }, 'update area not written back');
    }
    this.logger.debug({ surfaceId, area }, 'update area');
    if (async) this.device.asyncComplete(async.cookie);
  }

  /** Drops a surface and its guest memory location; true if it existed. */
  private forgetSurface(id: number): boolean {
    this.surfaceMemory.delete(id);
    return this.surfaces.delete(id);
  }

  /** Copies an area of a rendered surface into the guest memory the surface was created on. */
  private writeBack(surfaceId: number, area: QxlRect): void {
    const surface = this.surfaces.get(surfaceId);
    const memory = this.surfaceMemory.get(surfaceId);
    if (!surface || !memory) return;
    const { canvas } = surface;
    const bpp = canvas.stride / canvas.width;
    const rowBytes = Math.abs(memory.stride);
    if (rowBytes < canvas.width * bpp) return; // 16-bit guest surfaces are kept as 32-bit here
    const ptr = this.device.translate(memory.address, rowBytes * canvas.height);
    const guest = ptr.region === QxlRegion.Ram ? this.device.ram : this.device.vram;
    const left = Math.max(0, area.left);
    const right = Math.min(canvas.width, area.right);
    const top = Math.max(0, area.top);
    const bottom = Math.min(canvas.height, area.bottom);
    if (left >= right || top >= bottom) return;
    for (let y = top; y < bottom; y++) {
      const row = memory.stride > 0 ? y : canvas.height - 1 - y;
      const from = y * canvas.stride + left * bpp;
      guest.set(canvas.pixels.subarray(from, from + (right - left) * bpp), ptr.offset + row * rowBytes + left * bpp);
    }
  }

  // ---- command processing ----------------------------------------------------------------------

  private schedule(): void {
    if (this.processScheduled) return;
    this.processScheduled = true;
    setImmediate(() => {
      this.processScheduled = false;
      this.processCommands();
    });
  }

  private scheduleCursor(): void {
    if (this.cursorScheduled) return;
    this.cursorScheduled = true;
    setImmediate(() => {
      this.cursorScheduled = false;
      this.processCursor();
    });
  }

  private pipesFull(channel: RedChannel): boolean {
    // Squashing keeps every pipe near its bound: the guest then waits only for our own work.
    if (this.squashEnabled) return false;
    for (const rcc of channel.clients) if (rcc.pipeFull) return true;
    return false;
  }

  /**
   * A display pipe went over its bound: its queued drawing of each surface becomes one image of
   * the surface as it is now (the canvas has already applied every queued draw), placed after the
   * items that stay. Surface creates/destroys and other control items keep their order.
   */
  private squashDisplayPipe(rcc: RedChannelClient, items: readonly PipeItem[]): PipeItem[] | null {
    if (!this.squashEnabled) return null;
    const painted = new Set<number>();
    const kept: PipeItem[] = [];
    for (const item of items) {
      const surfaceId = this.drawItemSurface.get(item);
      if (surfaceId === undefined) kept.push(item);
      else painted.add(surfaceId);
    }
    if (painted.size === 0) return null;
    for (const id of painted) {
      const surface = this.surfaces.get(id);
      if (surface) kept.push(this.surfaceImageItem(rcc, surface));
    }
    this.counters.squashes += 1;
    rcc.logger.debug({ surfaces: [...painted], before: items.length, after: kept.length }, 'display pipe squashed');
    return kept;
  }

  /** A cursor pipe went over its bound: its queued updates become one cursor set (or hide). */
  private squashCursorPipe(items: readonly PipeItem[]): PipeItem[] | null {
    if (!this.squashEnabled) return null;
    const kept = items.filter((item) => item.kind !== 'cursor');
    if (kept.length === items.length) return null;
    kept.push({ kind: 'cursor', marshal: () => this.cursor.currentMessage() });
    return kept;
  }

  /**
   * One DRAW_COPY of a whole surface, taken when it reaches the socket: the picture then holds
   * every draw the worker has applied, so the drawing of that surface still queued behind it is
   * dropped at that moment. Nothing is copied while the client is slow.
   */
  private surfaceImageItem(rcc: RedChannelClient, surface: DisplaySurface): PipeItem {
    const { canvas } = surface;
    const item: PipeItem = {
      kind: 'surface-image',
      size: canvas.pixels.byteLength + DRAW_OVERHEAD_BYTES,
      marshal: () => {
        if (this.surfaces.get(surface.id) !== surface) return [];
        for (const queued of [...rcc.pipeItems()]) {
          if (this.drawItemSurface.get(queued) === surface.id) rcc.pipeRemove(queued);
        }
        // A copy: an uncompressed image goes out by reference and the canvas keeps changing.
        const pixels = {
          width: canvas.width,
          height: canvas.height,
          stride: canvas.stride,
          data: canvas.pixels.slice(),
        };
        const startedAt = performance.now();
        const image = encodePixels(pixels, this.nextImageId(), this.encodingOf(rcc));
        this.countImage(image, startedAt);
        const box = { top: 0, left: 0, bottom: canvas.height, right: canvas.width };
        return {
          type: display.drawCopy.type,
          body: display.drawCopy.encode({
            base: { surfaceId: surface.id, box, clip: { type: 0 } },
            srcBitmap: image,
            srcArea: box,
            ropDescriptor: 8,
            scaleMode: 0,
            mask: display.NO_MASK,
          }),
        };
      },
    };
    this.drawItemSurface.set(item, surface.id);
    return item;
  }

  private processCommands(): void {
    this.counters.passes += 1;
    this.stats?.recordPass('display:commands');
    for (let n = 0; n < COMMANDS_PER_PASS; n++) {
      if (this.pipesFull(this.displayChannel)) {
        // Resumed by the first pipe that runs empty (onPipeEmpty), not by a timer.
        this.blockedOnPipes = true;
        return;
      }
      const command = this.nextCommand(() => this.device.getAnyCommand());
      if (command === undefined) continue; // a bad command was dropped; go on with the next
      if (command === null) {
        if (this.device.requestCommandNotification()) {
          this.checkIdle();
          return;
        }
        continue; // commands arrived while we asked: keep going
      }
      this.handleCommand(command);
    }
    this.schedule(); // more may be waiting: yield to sockets and timers first
  }

  /** Processes every queued command now (sync guest IO such as update-area and destroy-primary). */
  private drainCommands(): void {
    for (;;) {
      const command = this.nextCommand(() => this.device.getAnyCommand());
      if (command === null) return;
      if (command !== undefined) this.handleCommand(command);
    }
  }

  /** The next command, null when the ring is empty, undefined when a bad one was dropped. */
  private nextCommand(get: () => QxlAnyCommandRecord | null): QxlAnyCommandRecord | null | undefined {
    try {
      return get();
    } catch (error) {
      this.counters.dropped += 1;
      this.logger.warn(
        { code: (error as { code?: string }).code, reason: (error as Error).message },
        'dropped a malformed guest command',
      );
      return undefined;
    }
  }

  private handleCommand(command: QxlAnyCommandRecord): void {
    this.counters.commands += 1;
    try {
      switch (command.type) {
        case 'draw':
          this.handleDrawable(command.drawable);
          break;
        case 'surface': {
          const c = command.command;
          if (c.type === 'create') {
            if (c.surfaceId === 0 || this.surfaces.has(c.surfaceId))
              throw new BadCommandError(`surface ${c.surfaceId} exists already`);
            const surface = createDisplaySurface(c.surfaceId, c.width, c.height, c.format, false);
            this.surfaces.set(c.surfaceId, surface);
            this.surfaceMemory.set(c.surfaceId, { address: c.data, stride: c.stride });
            for (const rcc of this.readyDisplayClients()) this.sendSurfaceCreate(rcc, surface, false);
          } else if (this.forgetSurface(c.surfaceId)) {
            for (const rcc of this.readyDisplayClients()) {
              rcc.send(
                { type: display.surfaceDestroy.type, body: display.surfaceDestroy.encode({ surfaceId: c.surfaceId }) },
                'surface-destroy',
              );
            }
          }
          break;
        }
        case 'cursor':
          this.handleCursorCommand(command.command);
          break;
        case 'update':
        case 'message':
          break;
      }
    } catch (error) {
      this.counters.dropped += 1;
      this.logger.warn(
        { code: (error as { code?: string }).code, reason: (error as Error).message, command: command.type },
        'dropped a guest command',
      );
    } finally {
      this.release(command);
    }
  }

  private release(command: QxlAnyCommandRecord): void {
    const id =
      command.type === 'draw'
        ? command.drawable.releaseId
        : command.type === 'message'
          ? command.releaseId
          : command.command.releaseId;
    // The parser copied what we keep out of guest memory, so the guest gets it back at once.
    this.device.releaseResource(id);
    this.counters.released += 1;
  }

  private handleDrawable(drawable: QxlAnyDrawable): void {
    const surface = this.surfaces.get(drawable.surfaceId);
    if (!surface) throw new BadCommandError(`drawable targets missing surface ${drawable.surfaceId}`);
    const draw = drawable.draw;
    const clip = toClip(drawable.clip);
    let size = DRAW_OVERHEAD_BYTES;
    switch (draw.type) {
      case 'fill':
        if (draw.mask.bitmap) throw new UnsupportedDrawError('a fill with a mask');
        if (draw.brush.type !== 'solid') throw new UnsupportedDrawError(`fill with a ${draw.brush.type} brush`);
        drawSolidFill(surface.canvas, drawable.bbox, clip, draw.brush.color, draw.ropDescriptor);
        break;
      case 'copy': {
        if (draw.mask.bitmap) throw new UnsupportedDrawError('a copy with a mask');
        const src = draw.src;
        if (src.kind !== 'bitmap') throw new UnsupportedDrawError(`copy from a ${src.kind} image`);
        drawCopyBitmap(
          surface.canvas,
          drawable.bbox,
          clip,
          {
            format: src.format,
            width: src.width,
            height: src.height,
            stride: src.stride,
            topDown: (src.bitmapFlags & QxlBitmapFlag.TopDown) !== 0,
            data: src.data,
            palette: src.palette?.entries ?? null,
          },
          draw.srcArea,
          draw.ropDescriptor,
        );
        size += src.data.byteLength;
        break;
      }
      case 'copy-bits':
        // A scroll within the surface: the client moves its own pixels the same way.
        copyBits(surface.canvas, drawable.bbox, clip, draw.srcPos);
        break;
      default:
        throw new UnsupportedDrawError(`draw type ${draw.type}`);
    }
    // One set of encodes per drawable, shared by the clients that use the same codec.
    const images =
      draw.type === 'copy' && draw.src.kind === 'bitmap'
        ? new SharedImageEncodes(draw.src, () => this.nextImageId())
        : null;
    for (const rcc of this.readyDisplayClients()) {
      let prepared: SpiceImage | null = null;
      const job = images?.start(this.encodingOf(rcc), this.offload) ?? null;
      const ready = job?.then((image) => {
        prepared = image;
      });
      const item: PipeItem = {
        kind: `draw-${draw.type}`,
        size,
        ...(ready ? { ready } : {}),
        marshal: () => {
          const startedAt = performance.now();
          const image = prepared ?? images?.encodeFor(this.encodingOf(rcc)) ?? null;
          const message = marshalDrawable(drawable, () => this.nextImageId(), this.encodingOf(rcc), image);
          // Timed only when encoded here and now (not a shared or thread-made encode).
          const fresh = prepared === null && (images === null || !images.lastShared);
          this.countImage(message.image, fresh ? startedAt : undefined);
          return message.message;
        },
      };
      this.drawItemSurface.set(item, drawable.surfaceId);
      rcc.pipeAdd(item);
    }
  }

  /** Images sent, by kind ('bitmap', 'lz', 'quic'), for tests and metrics. */
  readonly imageCounts: Record<string, number> = { bitmap: 0, lz: 0, quic: 0, glz: 0, lz4: 0 };

  /** How long image encodes took, per codec (the server's /metrics shows it). */
  readonly encodeTimes = new EncodeTimes();

  private countImage(image: SpiceImage | null, startedAt?: number): void {
    if (!image) return;
    const kind = IMAGE_KIND[image.descriptor.type] ?? 'bitmap';
    this.imageCounts[kind] = (this.imageCounts[kind] ?? 0) + 1;
    if (startedAt !== undefined) this.encodeTimes.record(kind, (performance.now() - startedAt) / 1000);
  }

  /** The encoding state of a display client (the server's mode until DISPLAY_INIT). */
  private encodingOf(rcc: RedChannelClient): ClientImageEncoding {
    return this.clientState.get(rcc)?.encoding ?? { mode: this.imageCompression, glz: null, lz4: false };
  }

  private nextImageId(): bigint {
    this.imageUnique = (this.imageUnique + 1n) & 0xffffffffn;
    return (this.imageUnique << 32n) | SERVER_IMAGE_GROUP;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    // Both rings must be empty: each processing loop calls this when its own ring ran dry.
    if (!this.device.requestCommandNotification()) {
      this.schedule();
      return;
    }
    if (!this.device.requestCursorNotification()) {
      this.scheduleCursor();
      return;
    }
    for (const rcc of [...this.displayChannel.clients, ...this.cursorChannel.clients]) {
      if (rcc.pipeSize > 0 || rcc.queuedBytes > 0) {
        // An idle check is only asked for by tests and embedders; re-check once this pipe drains.
        const off = rcc.onPipeEmpty(() => {
          off();
          this.schedule();
        });
        return;
      }
    }
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  // ---- display channel ------------------------------------------------------------------------

  private *readyDisplayClients(): Iterable<RedChannelClient> {
    for (const rcc of this.displayChannel.clients) if (this.clientState.get(rcc)?.ready) yield rcc;
  }

  private onDisplayConnect(rcc: RedChannelClient): void {
    this.clientState.set(rcc, {
      ready: false,
      encoding: { mode: this.imageCompression, glz: null, lz4: rcc.hasChannelCap(DisplayCap.Lz4Compression) },
    });
    rcc.startAckWindow(DISPLAY_ACK_WINDOW);
    rcc.onPipeEmpty(() => {
      if (this.blockedOnPipes) {
        this.blockedOnPipes = false;
        this.schedule();
      }
    });
  }

  private onDisplayMessage(rcc: RedChannelClient, type: number, body: Uint8Array): void {
    const state = this.clientState.get(rcc)!;
    switch (type) {
      case DisplayMsgc.Init: {
        const init = display.displayInit.decode(body);
        rcc.logger.info(
          { pixmapCacheSize: Number(init.pixmapCacheSize), glzWindow: init.glzDictionaryWindowSize },
          'display client initialised',
        );
        if (state.ready) return;
        state.ready = true;
        state.encoding.glz = this.glzDictionaryFor(rcc.client, init.glzDictionaryId, init.glzDictionaryWindowSize);
        rcc.send({ type: display.invalAllPalettes.type, body: [] }, 'inval-all-palettes');
        const primary = this.surfaces.get(0);
        if (primary) this.sendSurfaceCreate(rcc, primary, true);
        for (const surface of this.surfaces.values()) if (!surface.primary) this.sendSurfaceCreate(rcc, surface, true);
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        return;
      }
      case DisplayMsgc.PreferredCompression: {
        const wanted = display.preferredCompression.decode(body).compression;
        const mode = IMAGE_COMPRESSION_BY_NUMBER[wanted];
        if (mode) {
          state.encoding.mode = mode;
          rcc.logger.info({ mode }, 'client chose its image compression');
        } else {
          rcc.logger.warn({ compression: wanted }, 'ignoring an unknown preferred image compression');
        }
        return;
      }
      case DisplayMsgc.PreferredVideoCodecType:
        display.preferredVideoCodecType.decode(body);
        return;
      case DisplayMsgc.StreamReport:
      case DisplayMsgc.GlDrawDone:
        return; // no streams or GL yet: nothing to act on
      default:
        throw new UnexpectedMessageError(rcc.channel.name, type);
    }
  }

  /**
   * SURFACE_CREATE, then (with `withContent`) the surface's current picture as one lossless
   * DRAW_COPY, then for the primary MONITORS_CONFIG (if the client has the cap) and MARK.
   */
  private sendSurfaceCreate(rcc: RedChannelClient, surface: DisplaySurface, withContent: boolean): void {
    const { canvas } = surface;
    const messages: OutgoingMessage[] = [
      {
        type: display.surfaceCreate.type,
        body: display.surfaceCreate.encode({
          surfaceId: surface.id,
          width: canvas.width,
          height: canvas.height,
          format: surface.format,
          flags: surface.primary ? SurfaceFlags.Primary : 0,
        }),
      },
    ];
    // A snapshot taken now (later draws are queued after it and apply on top), encoded when it
    // reaches the socket, so that images leave in encoding order (GLZ depends on it).
    const snapshot = withContent ? canvas.pixels.slice() : null;
    const snapshotAt = messages.length;
    if (surface.primary) {
      if (rcc.hasChannelCap(DisplayCap.MonitorsConfig)) {
        messages.push({
          type: display.monitorsConfig.type,
          body: display.monitorsConfig.encode({
            maxAllowed: 1,
            heads: [{ monitorId: 0, surfaceId: 0, width: canvas.width, height: canvas.height, x: 0, y: 0, flags: 0 }],
          }),
        });
      }
      messages.push({ type: display.mark.type, body: [] });
    }
    const size =
      messages.reduce((n, m) => n + m.body.reduce((b, c) => b + c.byteLength, 6), 0) + (snapshot?.byteLength ?? 0);
    const pixels = snapshot
      ? { width: canvas.width, height: canvas.height, stride: canvas.stride, data: snapshot }
      : null;
    // The whole surface is the largest image there is: it goes to an encoder thread if there is one.
    let prepared: SpiceImage | null = null;
    const submittedAt = performance.now();
    const ready = pixels
      ? encodePixelsOffThread(pixels, this.nextImageId(), this.encodingOf(rcc), false, this.offload)?.then((image) => {
          prepared = image;
          this.encodeTimes.record(
            IMAGE_KIND[image.descriptor.type] ?? 'bitmap',
            (performance.now() - submittedAt) / 1000,
          );
        })
      : undefined;
    rcc.pipeAdd({
      kind: withContent ? 'surface-image' : 'surface-create',
      size,
      ...(ready ? { ready } : {}),
      marshal: () => {
        if (!pixels) return messages;
        const box = { top: 0, left: 0, bottom: canvas.height, right: canvas.width };
        const startedAt = performance.now();
        const image = prepared ?? encodePixels(pixels, this.nextImageId(), this.encodingOf(rcc));
        this.countImage(image, prepared ? undefined : startedAt);
        const copy: OutgoingMessage = {
          type: display.drawCopy.type,
          body: display.drawCopy.encode({
            base: { surfaceId: surface.id, box, clip: { type: 0 } },
            srcBitmap: image,
            srcArea: box,
            ropDescriptor: 8,
            scaleMode: 0,
            mask: display.NO_MASK,
          }),
        };
        return [...messages.slice(0, snapshotAt), copy, ...messages.slice(snapshotAt)];
      },
    });
  }

  /**
   * The viewer's GLZ dictionary: made by its first display channel's DISPLAY_INIT with the id and
   * window size the client gave, shared by its other display channels. None without a window.
   */
  private glzDictionaryFor(client: RedClient, id: number, windowSizePixels: number): GlzDictionary | null {
    const existing = this.glzDictionaries.get(client);
    if (existing) return existing;
    if (windowSizePixels <= 0) return null;
    const windowPixels = Math.min(windowSizePixels, GLZ_MAX_WINDOW_PIXELS);
    const dictionary = createGlzDictionary({ id, windowSizePixels: windowPixels });
    this.glzDictionaries.set(client, dictionary);
    return dictionary;
  }

  // ---- cursor channel -------------------------------------------------------------------------

  private onCursorConnect(rcc: RedChannelClient): void {
    rcc.startAckWindow(DISPLAY_ACK_WINDOW);
    rcc.send(this.cursor.initMessage(), 'cursor-init');
    rcc.onPipeEmpty(() => {
      if (this.cursorBlockedOnPipes) {
        this.cursorBlockedOnPipes = false;
        this.scheduleCursor();
      }
    });
  }

  private processCursor(): void {
    this.stats?.recordPass('display:cursor');
    for (let n = 0; n < COMMANDS_PER_PASS; n++) {
      if (this.pipesFull(this.cursorChannel)) {
        this.cursorBlockedOnPipes = true; // resumed when a cursor pipe runs empty
        return;
      }
      const command = this.nextCommand(() => this.device.getCursorCommand());
      if (command === undefined) continue;
      if (command === null) {
        if (this.device.requestCursorNotification()) {
          this.checkIdle();
          return;
        }
        continue;
      }
      this.handleCommand(command);
    }
    this.scheduleCursor();
  }

  private handleCursorCommand(command: Parameters<CursorState['apply']>[0]): void {
    const message = this.cursor.apply(command, this.mouseMode === MouseMode.Server);
    if (!message) return;
    for (const rcc of this.cursorChannel.clients) rcc.send(message, 'cursor');
  }
}
