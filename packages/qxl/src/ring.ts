import { QxlBadValueError } from './errors.js';
import { QXL_COMMAND, QXL_RING_HEADER } from './qxl-dev.js';

export interface QxlRingInit {
  /** The region holding the ring (a view on a SharedArrayBuffer). */
  bytes: Uint8Array;
  /** Byte offset of the ring header (SPICE_RING_DECLARE) in `bytes`; must be 4-aligned. */
  offset: number;
  /** Number of items, a power of two (the ring's own num_items is guest-writable and never trusted). */
  numItems: number;
  /** Size of one item slot (sizeof(el) rounded up to a power of two). */
  itemSize: number;
}

/**
 * A view on a SPICE ring in guest memory: {num_items, prod, notify_on_prod, cons, notify_on_cons,
 * items[]}. The counters are free-running u32s; an item's slot is `counter & (numItems - 1)`.
 * Counters are read and written with Atomics so that producer and consumer may sit in different
 * threads; an item is written before `push()` publishes it and read before `pop()` releases it.
 *
 * Producer side (what a guest driver does for the command and cursor rings): `prodWait()` when full,
 * write at `prodItemOffset()`, `push()` and kick the device's NOTIFY port if it returns true.
 * Consumer side (the device): `consWait()` when empty, read at `consItemOffset()`, `pop()` and raise
 * the interrupt if it returns true. The release ring runs the other way round.
 */
export interface QxlRing {
  readonly offset: number;
  readonly numItems: number;
  readonly itemSize: number;
  /** SPICE_RING_INIT: num_items, prod = cons = 0, notify_on_prod = 1, notify_on_cons = 0. */
  init(): void;
  prod: number;
  cons: number;
  notifyOnProd: number;
  notifyOnCons: number;
  /** Items pushed and not yet popped (as the counters say; guest-writable, so may be nonsense). */
  used(): number;
  isEmpty(): boolean;
  isFull(): boolean;
  /** Byte offset in `bytes` of the slot that counter value `counter` maps to. */
  itemOffset(counter: number): number;
  prodItemOffset(): number;
  consItemOffset(): number;
  /** SPICE_RING_PROD_WAIT: if full, asks to be notified when the consumer frees a slot; true if still full. */
  prodWait(): boolean;
  /** SPICE_RING_PUSH: publishes the item at prodItemOffset(); true if the consumer asked to be notified. */
  push(): boolean;
  /** SPICE_RING_CONS_WAIT: if empty, asks to be notified on the next push; true if still empty. */
  consWait(): boolean;
  /** SPICE_RING_POP: releases the item at consItemOffset(); true if the producer asked to be notified. */
  pop(): boolean;
}

class QxlRingImpl implements QxlRing {
  readonly offset: number;
  readonly numItems: number;
  readonly itemSize: number;
  private readonly words: Int32Array;
  private readonly base: number;
  private readonly mask: number;

  constructor(init: QxlRingInit) {
    const { bytes, offset, numItems, itemSize } = init;
    if (offset % 4 !== 0 || (bytes.byteOffset + offset) % 4 !== 0) {
      throw new QxlBadValueError('ring offset', offset, 'is not 4-aligned');
    }
    if (!Number.isInteger(numItems) || numItems < 1 || (numItems & (numItems - 1)) !== 0) {
      throw new QxlBadValueError('ring numItems', numItems, 'is not a power of two');
    }
    if (offset < 0 || offset + QXL_RING_HEADER.SIZE + numItems * itemSize > bytes.byteLength) {
      throw new QxlBadValueError('ring offset', offset, 'puts the ring outside its region');
    }
    this.offset = offset;
    this.numItems = numItems;
    this.itemSize = itemSize;
    this.mask = numItems - 1;
    this.words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
    this.base = offset >>> 2;
  }

  private load(field: number): number {
    return Atomics.load(this.words, this.base + (field >>> 2)) >>> 0;
  }

  private store(field: number, value: number): void {
    Atomics.store(this.words, this.base + (field >>> 2), value | 0);
  }

  init(): void {
    this.store(QXL_RING_HEADER.numItems, this.numItems);
    this.store(QXL_RING_HEADER.prod, 0);
    this.store(QXL_RING_HEADER.cons, 0);
    this.store(QXL_RING_HEADER.notifyOnProd, 1);
    this.store(QXL_RING_HEADER.notifyOnCons, 0);
  }

  get prod(): number {
    return this.load(QXL_RING_HEADER.prod);
  }
  set prod(value: number) {
    this.store(QXL_RING_HEADER.prod, value);
  }
  get cons(): number {
    return this.load(QXL_RING_HEADER.cons);
  }
  set cons(value: number) {
    this.store(QXL_RING_HEADER.cons, value);
  }
  get notifyOnProd(): number {
    return this.load(QXL_RING_HEADER.notifyOnProd);
  }
  set notifyOnProd(value: number) {
    this.store(QXL_RING_HEADER.notifyOnProd, value);
  }
  get notifyOnCons(): number {
    return this.load(QXL_RING_HEADER.notifyOnCons);
  }
  set notifyOnCons(value: number) {
    this.store(QXL_RING_HEADER.notifyOnCons, value);
  }

  used(): number {
    return (this.prod - this.cons) >>> 0;
  }

  isEmpty(): boolean {
    return this.prod === this.cons;
  }

  isFull(): boolean {
    return this.used() >= this.numItems;
  }

  itemOffset(counter: number): number {
    return this.offset + QXL_RING_HEADER.items + (counter & this.mask) * this.itemSize;
  }

  prodItemOffset(): number {
    return this.itemOffset(this.prod);
  }

  consItemOffset(): number {
    return this.itemOffset(this.cons);
  }

  prodWait(): boolean {
    if (!this.isFull()) return false;
    this.notifyOnCons = (this.cons + 1) >>> 0;
    return this.isFull();
  }

  push(): boolean {
    const prod = (this.prod + 1) >>> 0;
    this.prod = prod;
    return prod === this.notifyOnProd;
  }

  consWait(): boolean {
    if (!this.isEmpty()) return false;
    this.notifyOnProd = (this.prod + 1) >>> 0;
    return this.isEmpty();
  }

  pop(): boolean {
    const cons = (this.cons + 1) >>> 0;
    this.cons = cons;
    return cons === this.notifyOnCons;
  }
}

export function createQxlRing(init: QxlRingInit): QxlRing {
  return new QxlRingImpl(init);
}

/** A QXLCommand ring element: the QXLPHYSICAL of the command and its QXL_CMD_* type. */
export interface QxlCommandEntry {
  data: bigint;
  type: number;
}

/**
 * A command as the device hands it to the display worker (spice-server's QXLCommandExt): the
 * QXLCommand of a ring entry, the memslot group its addresses belong to and the command flags.
 */
export interface QxlCommandExt {
  /** QXL_CMD_* */
  type: number;
  /** QXLPHYSICAL of the command structure. */
  data: bigint;
  /** QXL_COMMAND_FLAG_*; 0 for the native drawables this device model speaks. */
  flags: number;
  /** Memslot group (informational: this device model has one group). */
  groupId: number;
}

export function readCommandEntry(view: DataView, offset: number): QxlCommandEntry {
  return {
    data: view.getBigUint64(offset + QXL_COMMAND.data, true),
    type: view.getUint32(offset + QXL_COMMAND.type, true),
  };
}

export function writeCommandEntry(view: DataView, offset: number, entry: QxlCommandEntry): void {
  view.setBigUint64(offset + QXL_COMMAND.data, BigInt.asUintN(64, entry.data), true);
  view.setUint32(offset + QXL_COMMAND.type, entry.type >>> 0, true);
  view.setUint32(offset + QXL_COMMAND.padding, 0, true);
}
