import {
  QxlBadGenerationError,
  QxlBadMemslotError,
  QxlBadSizeError,
  QxlBadValueError,
  QxlOutOfSlotError,
} from './errors.js';

type ValueOf<T> = T[keyof T];

/** The device's memory regions; the numbers are the PCI BAR indices of qxl_dev.h. */
export const QxlRegion = { Ram: 0, Vram: 1, Rom: 2 } as const;
export type QxlRegion = ValueOf<typeof QxlRegion>;

/**
 * Guest-physical addresses where the emulated PCI BARs sit by default. A real guest reads them from
 * PCI config space and hands them to the device in QXLRam.mem_slot; ours reads `GuestMemory.bars`.
 * They are 4 GiB apart, so a BAR may be up to QXL_MAX_BAR_SIZE bytes.
 */
export const QXL_DEFAULT_BAR_BASES = { ram: 0x1_0000_0000, vram: 0x2_0000_0000, rom: 0x3_0000_0000 } as const;
export const QXL_MAX_BAR_SIZE = 0x1_0000_0000;

/** QEMU's memslot layout (hw/display/qxl.h): 8 slots, 8 id bits, 8 generation bits. */
export const QXL_DEFAULT_SLOT_ID_BITS = 8;
export const QXL_DEFAULT_SLOT_GEN_BITS = 8;
export const QXL_DEFAULT_NUM_SLOTS = 8;

export interface GuestMemoryInit {
  ramSize: number;
  vramSize: number;
  romSize: number;
  /** Bits of a QXLPHYSICAL (from the top) that hold the memslot id. Default 8. */
  slotIdBits?: number;
  /** Bits below the id that hold the memslot generation. Default 8. */
  slotGenBits?: number;
  /** Number of memslots. Default 8, at most 2^slotIdBits. */
  numSlots?: number;
  barBases?: Partial<Record<'ram' | 'vram' | 'rom', number>>;
  /** Existing buffers to use (e.g. memory shared with another thread); sizes must match. */
  buffers?: Partial<Record<'ram' | 'vram' | 'rom', SharedArrayBuffer>>;
}

/** One emulated PCI BAR: where it sits in guest-physical space and how big it is. */
export interface QxlBar {
  region: QxlRegion;
  base: number;
  size: number;
}

/** An active memslot: `size` bytes of `region` starting at region offset `start`. */
export interface Memslot {
  id: number;
  region: QxlRegion;
  start: number;
  size: number;
  generation: number;
}

/**
 * A translated guest address: `offset` is a byte offset into `region`, `end` the region offset where
 * its memslot ends (reads of variable-length data must stay below it).
 */
export interface GuestPtr {
  region: QxlRegion;
  offset: number;
  end: number;
  slotId: number;
}

/**
 * The device's memory as the device sees it: three BARs in SharedArrayBuffers (so a guest may later
 * run in another thread) and the memslot table that turns a QXLPHYSICAL into (region, offset).
 */
export interface GuestMemory {
  readonly ram: Uint8Array;
  readonly vram: Uint8Array;
  readonly rom: Uint8Array;
  readonly buffers: Readonly<Record<'ram' | 'vram' | 'rom', SharedArrayBuffer>>;
  readonly bars: Readonly<Record<'ram' | 'vram' | 'rom', QxlBar>>;
  readonly slotIdBits: number;
  readonly slotGenBits: number;
  readonly numSlots: number;
  /** Bytes of a region (a view on its SharedArrayBuffer). */
  bytes(region: QxlRegion): Uint8Array;
  /** A DataView over a whole region. */
  view(region: QxlRegion): DataView;
  /** An Int32Array over a whole region, for Atomics on 4-aligned u32 fields. */
  words(region: QxlRegion): Int32Array;
  /** Activates memslot `id` over [start, start + size) of `region`. */
  addSlot(id: number, slot: Omit<Memslot, 'id'>): Memslot;
  /**
   * Activates memslot `id` over guest-physical [memStart, memEnd), which must lie inside one BAR
   * (what QXL_IO_MEMSLOT_ADD does with QXLRam.mem_slot). Throws QxlBadValueError otherwise.
   */
  addSlotPhysical(id: number, memStart: bigint, memEnd: bigint, generation: number): Memslot;
  deleteSlot(id: number): void;
  resetSlots(): void;
  getSlot(id: number): Memslot | undefined;
  /**
   * Translates a QXLPHYSICAL and checks that [addr, addr + size) lies inside its memslot.
   * Throws QxlBadMemslotError, QxlBadGenerationError or QxlOutOfSlotError; `field` names the
   * structure field the address came from in those errors.
   */
  translate(addr: bigint, size: number, field?: string): GuestPtr;
  /** translate() for an address given as its low and high u32 words (no BigInt on the hot path). */
  translateWords(lo: number, hi: number, size: number, field?: string): GuestPtr;
  /** Checks that region bytes [offset, offset + size) lie inside the memslot of `ptr`. */
  checkInSlot(ptr: GuestPtr, offset: number, size: number, field: string): void;
  /** Bytes left in the memslot of `ptr` from region offset `offset`. */
  slotRemaining(ptr: GuestPtr, offset: number): number;
  /** Encodes a QXLPHYSICAL for `offset` bytes into memslot `slotId` with `generation`. */
  physicalAddress(slotId: number, generation: number, offset: number): bigint;
}

interface SlotEntry {
  active: boolean;
  region: QxlRegion;
  start: number;
  size: number;
  generation: number;
}

function checkSize(name: string, size: number, min: number): void {
  if (!Number.isInteger(size) || size < min || size > QXL_MAX_BAR_SIZE) {
    throw new QxlBadValueError(name, size, `must be an integer in [${min}, ${QXL_MAX_BAR_SIZE}]`);
  }
}

function makeBuffer(name: string, size: number, given: SharedArrayBuffer | undefined): SharedArrayBuffer {
  if (given === undefined) return new SharedArrayBuffer(size);
  if (given.byteLength !== size)
    throw new QxlBadValueError(`${name} buffer`, given.byteLength, `bytes, expected ${size}`);
  return given;
}

class GuestMemoryImpl implements GuestMemory {
  readonly ram: Uint8Array;
  readonly vram: Uint8Array;
  readonly rom: Uint8Array;
  readonly buffers: Readonly<Record<'ram' | 'vram' | 'rom', SharedArrayBuffer>>;
  readonly bars: Readonly<Record<'ram' | 'vram' | 'rom', QxlBar>>;
  readonly slotIdBits: number;
  readonly slotGenBits: number;
  readonly numSlots: number;
  private readonly regionBytes: readonly Uint8Array[];
  private readonly regionViews: readonly DataView[];
  private readonly regionWords: readonly Int32Array[];
  private readonly slots: SlotEntry[];
  // QXLPHYSICAL split: [ id | generation | offset ]. Shifts and masks apply to the high u32.
  private readonly idShift: number;
  private readonly genShift: number;
  private readonly genMask: number;
  private readonly offsetHiMask: number;

  constructor(init: GuestMemoryInit) {
    checkSize('ramSize', init.ramSize, 4096);
    checkSize('vramSize', init.vramSize, 4096);
    checkSize('romSize', init.romSize, 4096);
    const idBits = init.slotIdBits ?? QXL_DEFAULT_SLOT_ID_BITS;
    const genBits = init.slotGenBits ?? QXL_DEFAULT_SLOT_GEN_BITS;
    if (!Number.isInteger(idBits) || idBits < 1 || idBits > 16) {
      throw new QxlBadValueError('slotIdBits', idBits, 'must be an integer in [1, 16]');
    }
    if (!Number.isInteger(genBits) || genBits < 0 || genBits > 16) {
      throw new QxlBadValueError('slotGenBits', genBits, 'must be an integer in [0, 16]');
    }
    const numSlots = init.numSlots ?? Math.min(QXL_DEFAULT_NUM_SLOTS, 2 ** idBits);
    if (!Number.isInteger(numSlots) || numSlots < 1 || numSlots > 2 ** idBits) {
      throw new QxlBadValueError('numSlots', numSlots, `must be an integer in [1, ${2 ** idBits}]`);
    }
    this.slotIdBits = idBits;
    this.slotGenBits = genBits;
    this.numSlots = numSlots;
    this.idShift = 32 - idBits;
    this.genShift = 32 - idBits - genBits;
    this.genMask = genBits === 0 ? 0 : 2 ** genBits - 1;
    this.offsetHiMask = 2 ** this.genShift - 1;

    const buffers = {
      ram: makeBuffer('ram', init.ramSize, init.buffers?.ram),
      vram: makeBuffer('vram', init.vramSize, init.buffers?.vram),
      rom: makeBuffer('rom', init.romSize, init.buffers?.rom),
    };
    this.buffers = buffers;
    this.ram = new Uint8Array(buffers.ram);
    this.vram = new Uint8Array(buffers.vram);
    this.rom = new Uint8Array(buffers.rom);
    this.regionBytes = [this.ram, this.vram, this.rom];
    this.regionViews = this.regionBytes.map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength));
    this.regionWords = this.regionBytes.map((b) => new Int32Array(b.buffer, b.byteOffset, b.byteLength >>> 2));

    const bases = { ...QXL_DEFAULT_BAR_BASES, ...init.barBases };
    this.bars = {
      ram: { region: QxlRegion.Ram, base: bases.ram, size: init.ramSize },
      vram: { region: QxlRegion.Vram, base: bases.vram, size: init.vramSize },
      rom: { region: QxlRegion.Rom, base: bases.rom, size: init.romSize },
    };
    const bars = Object.values(this.bars);
    for (const a of bars) {
      if (!Number.isSafeInteger(a.base) || a.base < 0)
        throw new QxlBadValueError('barBases', a.base, 'is not a valid address');
      for (const b of bars) {
        if (a !== b && a.base < b.base + b.size && b.base < a.base + a.size) {
          throw new QxlBadValueError('barBases', a.base, 'makes two BARs overlap');
        }
      }
    }
    this.slots = Array.from({ length: numSlots }, () => ({
      active: false,
      region: QxlRegion.Ram,
      start: 0,
      size: 0,
      generation: 0,
    }));
  }

  bytes(region: QxlRegion): Uint8Array {
    return this.regionBytes[region] as Uint8Array;
  }

  view(region: QxlRegion): DataView {
    return this.regionViews[region] as DataView;
  }

  words(region: QxlRegion): Int32Array {
    return this.regionWords[region] as Int32Array;
  }

  private entry(id: number, field: string): SlotEntry {
    const slot = Number.isInteger(id) ? this.slots[id] : undefined;
    if (slot === undefined) throw new QxlBadMemslotError(field, id, `is out of range (device has ${this.numSlots})`);
    return slot;
  }

  addSlot(id: number, slot: Omit<Memslot, 'id'>): Memslot {
    const entry = this.entry(id, 'memslot');
    const regionSize = this.bytes(slot.region)?.byteLength;
    if (regionSize === undefined) throw new QxlBadValueError('memslot.region', slot.region, 'is not a region');
    if (!Number.isInteger(slot.start) || !Number.isInteger(slot.size) || slot.start < 0 || slot.size < 0) {
      throw new QxlBadValueError('memslot', `${slot.start}+${slot.size}`, 'is not a valid range');
    }
    if (slot.start + slot.size > regionSize) {
      throw new QxlBadValueError('memslot', `${slot.start}+${slot.size}`, `exceeds the ${regionSize}-byte region`);
    }
    if (!Number.isInteger(slot.generation) || slot.generation < 0 || slot.generation > this.genMask) {
      throw new QxlBadValueError('memslot.generation', slot.generation, `does not fit in ${this.slotGenBits} bits`);
    }
    entry.active = true;
    entry.region = slot.region;
    entry.start = slot.start;
    entry.size = slot.size;
    entry.generation = slot.generation;
    return { id, ...slot };
  }

  addSlotPhysical(id: number, memStart: bigint, memEnd: bigint, generation: number): Memslot {
    if (memStart > memEnd) {
      throw new QxlBadValueError(
        'QXLMemSlot',
        `0x${memStart.toString(16)}-0x${memEnd.toString(16)}`,
        'has start > end',
      );
    }
    for (const bar of [this.bars.ram, this.bars.vram, this.bars.rom]) {
      const base = BigInt(bar.base);
      const end = base + BigInt(bar.size);
      if (memStart >= base && memStart <= end && memEnd <= end) {
        return this.addSlot(id, {
          region: bar.region,
          start: Number(memStart - base),
          size: Number(memEnd - memStart),
          generation,
        });
      }
    }
    throw new QxlBadValueError(
      'QXLMemSlot',
      `0x${memStart.toString(16)}-0x${memEnd.toString(16)}`,
      'does not lie inside a BAR',
    );
  }

  deleteSlot(id: number): void {
    const entry = this.entry(id, 'memslot');
    entry.active = false;
    entry.size = 0;
  }

  resetSlots(): void {
    for (const slot of this.slots) {
      slot.active = false;
      slot.size = 0;
    }
  }

  getSlot(id: number): Memslot | undefined {
    const slot = this.slots[id];
    if (slot === undefined || !slot.active) return undefined;
    return { id, region: slot.region, start: slot.start, size: slot.size, generation: slot.generation };
  }

  translate(addr: bigint, size: number, field = 'QXLPHYSICAL'): GuestPtr {
    const a = BigInt.asUintN(64, addr);
    return this.translateWords(Number(a & 0xffffffffn), Number(a >> 32n), size, field);
  }

  translateWords(lo: number, hi: number, size: number, field = 'QXLPHYSICAL'): GuestPtr {
    const slotId = hi >>> this.idShift;
    const slot = this.slots[slotId];
    if (slot === undefined)
      throw new QxlBadMemslotError(field, slotId, `is out of range (device has ${this.numSlots})`);
    if (!slot.active) throw new QxlBadMemslotError(field, slotId, 'is not active');
    const generation = this.genMask === 0 ? 0 : (hi >>> this.genShift) & this.genMask;
    if (generation !== slot.generation) throw new QxlBadGenerationError(field, slotId, generation, slot.generation);
    if (!Number.isSafeInteger(size) || size < 0) throw new QxlBadSizeError(field, size, 'is not a valid length');
    const offset = (hi & this.offsetHiMask) * 0x1_0000_0000 + (lo >>> 0);
    if (offset + size > slot.size) throw new QxlOutOfSlotError(field, slotId, offset, size, slot.size);
    return { region: slot.region, offset: slot.start + offset, end: slot.start + slot.size, slotId };
  }

  checkInSlot(ptr: GuestPtr, offset: number, size: number, field: string): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new QxlBadSizeError(field, size, 'is not a valid length');
    if (offset + size > ptr.end) {
      const slot = this.slots[ptr.slotId];
      const start = slot?.start ?? 0;
      throw new QxlOutOfSlotError(field, ptr.slotId, offset - start, size, slot?.size ?? 0);
    }
  }

  slotRemaining(ptr: GuestPtr, offset: number): number {
    return Math.max(0, ptr.end - offset);
  }

  physicalAddress(slotId: number, generation: number, offset: number): bigint {
    const offsetBits = 64 - this.slotIdBits - this.slotGenBits;
    return (
      (BigInt(slotId) << BigInt(64 - this.slotIdBits)) |
      (BigInt(generation & this.genMask) << BigInt(offsetBits)) |
      BigInt(offset)
    );
  }
}

/** Allocates (or wraps) the three BARs and an empty memslot table. */
export function createGuestMemory(init: GuestMemoryInit): GuestMemory {
  return new GuestMemoryImpl(init);
}
