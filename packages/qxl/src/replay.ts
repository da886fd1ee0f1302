import { setTimeout as sleep } from 'node:timers/promises';
import type { GuestDriver } from './driver.js';
import { QxlBadValueError } from './errors.js';
import { type QxlLogger, silentLogger } from './logger.js';
import { QXL_ROM } from './qxl-dev.js';
import { layoutReplayCommand, layoutSurfaceCommand } from './replay-layout.js';
import { type ReplayEvent, ReplayWorkerMessage } from './replay-records.js';

/** What the replay needs of the device: VRAM (primary contents) and the ROM (n_surfaces). */
export interface ReplayDevicePort {
  readonly vram: Uint8Array;
  readonly rom: Uint8Array;
}

export interface ReplayInit {
  /** The guest driver the commands go through (it owns the rings and the RAM heap). */
  driver: GuestDriver;
  /** The device `driver` drives. */
  device: ReplayDevicePort;
  /** Keep the recorded pace (event timestamps, from the first command on). Default false. */
  realtime?: boolean;
  /** Stops the replay between two events; the promise then resolves with `aborted: true`. */
  signal?: AbortSignal;
  logger?: QxlLogger;
  /** Called after each event was carried out (pushed on its ring or its IO done). */
  onEvent?: (event: ReplayEvent) => void;
}

export interface ReplayResult {
  events: number;
  /** Commands pushed on the command ring, and on the cursor ring. */
  commands: number;
  cursorCommands: number;
  /** Dispatcher messages seen, and those acted on (create/destroy primary, destroy surfaces). */
  dispatcherMessages: number;
  dispatcherHandled: number;
  /** Commands per QXL_CMD_* name. */
  commandsByType: Record<string, number>;
  aborted: boolean;
  /** Wall time of the replay, ms. */
  elapsedMs: number;
}

/**
 * Recorded surface ids to ours, as upstream's replay_id_new/get/free: id 0 is reserved for the
 * primary, new ids reuse freed ones first, and a create waits while every id is taken.
 */
export class ReplaySurfaceIds {
  private readonly map: number[] = [];
  private readonly inverse: number[] = [];
  private readonly free: number[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly numSurfaces: number) {
    this.map[0] = 0;
    this.inverse[0] = 0;
  }

  /** Our id for a recorded one; -1 stays -1, unknown ids give 0 (as upstream). */
  get(recorded: number): number {
    if (recorded === -1 || recorded === 0xffffffff) return -1;
    const id = this.map[recorded];
    return id === undefined || id === -1 ? 0 : id;
  }

  /** Allocates an id for a recorded surface create, waiting for a free one if needed. */
  async create(recorded: number): Promise<number> {
    for (;;) {
      const next = this.free.length > 0 ? (this.free[0] as number) : this.inverse.length;
      if (next < this.numSurfaces) {
        if (this.free.length > 0) this.free.shift();
        this.map[recorded] = next;
        this.inverse[next] = recorded;
        return next;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Frees our id `id` (its destroy command was released). */
  release(id: number): void {
    const recorded = this.inverse[id];
    if (recorded === undefined || recorded === -1) return;
    this.inverse[id] = -1;
    if (this.map[recorded] === id) this.map[recorded] = -1;
    this.free.push(id);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * Replays recorded events as a guest: each command is laid out as real QXL structures in guest RAM
 * through `driver.pushCommand` (so it goes through the device, its parser and its worker like a
 * live guest's), waiting for ring room and memory; primary surface create/destroy and
 * DESTROY_SURFACES go through the IO ports. Surface ids are remapped as upstream does.
 */
export async function replayRecording(events: AsyncIterable<ReplayEvent>, init: ReplayInit): Promise<ReplayResult> {
  const { driver, device } = init;
  const log = init.logger ?? silentLogger;
  const romView = new DataView(device.rom.buffer, device.rom.byteOffset, device.rom.byteLength);
  const ids = new ReplaySurfaceIds(romView.getUint32(QXL_ROM.nSurfaces, true));
  const lookup = (id: number): number => ids.get(id);
  const result: ReplayResult = {
    events: 0,
    commands: 0,
    cursorCommands: 0,
    dispatcherMessages: 0,
    dispatcherHandled: 0,
    commandsByType: {},
    aborted: false,
    elapsedMs: 0,
  };
  const started = performance.now();
  let primary = false;
  // Surface memory to free once the surface's destroy command is released, by our surface id.
  const surfaceMemory = new Map<number, () => void>();
  let firstCommandNs: bigint | null = null;
  let firstCommandMs = 0;

  for await (const event of events) {
    if (init.signal?.aborted === true) {
      result.aborted = true;
      break;
    }
    if (init.realtime === true && (event.what === 'command' || firstCommandNs !== null)) {
      if (firstCommandNs === null) {
        firstCommandNs = event.timestampNs;
        firstCommandMs = performance.now();
      }
      const due = firstCommandMs + Number(event.timestampNs - firstCommandNs) / 1e6;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    result.events++;
    if (event.what === 'dispatcher') {
      result.dispatcherMessages++;
      switch (event.type) {
        case ReplayWorkerMessage.CreatePrimarySurface:
        case ReplayWorkerMessage.CreatePrimarySurfaceAsync: {
          const p = event.primary;
          if (p === null) break;
          if (primary) {
            log.warn({ counter: event.counter }, 'replay: primary created twice, destroying the first');
            await driver.destroyPrimary();
          }
          const size = Math.abs(p.stride) * p.height;
          if (size > device.vram.byteLength) {
            throw new QxlBadValueError('replay primary |stride| * height', size, 'does not fit in VRAM');
          }
          if (p.data.byteLength > 0) device.vram.set(p.data.subarray(0, size), 0);
          await driver.createPrimary({
            width: p.width,
            height: p.height,
            stride: p.stride,
            format: p.format,
            position: p.position,
            mouseMode: p.mouseMode,
            flags: p.flags,
          });
          primary = true;
          result.dispatcherHandled++;
          break;
        }
        case ReplayWorkerMessage.DestroyPrimarySurface:
          if (primary) await driver.destroyPrimary();
          primary = false;
          result.dispatcherHandled++;
          break;
        case ReplayWorkerMessage.DestroySurfaces:
          await driver.destroyAllSurfaces();
          primary = false;
          result.dispatcherHandled++;
          break;
        default:
          // UPDATE, WAKEUP, memslot and cursor/cache resets...: nothing to replay (as upstream).
          break;
      }
    } else {
      const c = event.command;
      result.commandsByType[c.type] = (result.commandsByType[c.type] ?? 0) + 1;
      if (c.type === 'surface') {
        const s = c.command;
        if (s.type === 'create') {
          const id = await ids.create(s.surfaceId);
          const raw = layoutSurfaceCommand(s, id, s.data);
          let memory = -1;
          raw.onPlaced = (offsets) => {
            memory = offsets[raw.keep?.[0] ?? 1] ?? -1;
          };
          surfaceMemory.set(id, () => {
            if (memory >= 0) driver.freeBlock(memory);
          });
          await driver.pushCommand('commands', raw);
        } else {
          const id = ids.get(s.surfaceId);
          const raw = layoutSurfaceCommand(s, Math.max(id, 0), null);
          raw.onRelease = () => {
            surfaceMemory.get(id)?.();
            surfaceMemory.delete(id);
            ids.release(id);
          };
          await driver.pushCommand('commands', raw);
        }
        result.commands++;
      } else if (c.type === 'cursor') {
        await driver.pushCommand('cursor', layoutReplayCommand(c, lookup));
        result.cursorCommands++;
      } else {
        await driver.pushCommand('commands', layoutReplayCommand(c, lookup));
        result.commands++;
      }
    }
    init.onEvent?.(event);
  }
  result.elapsedMs = performance.now() - started;
  return result;
}
