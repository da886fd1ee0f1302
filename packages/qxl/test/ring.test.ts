import { describe, expect, it } from 'vitest';
import { createQxlRing, readCommandEntry, writeCommandEntry } from '../src/ring.js';

function ring(numItems = 8, itemSize = 16) {
  const bytes = new Uint8Array(new SharedArrayBuffer(4096));
  const r = createQxlRing({ bytes, offset: 64, numItems, itemSize });
  r.init();
  return { r, bytes, view: new DataView(bytes.buffer) };
}

describe('ring', () => {
  it('starts empty with notify_on_prod = 1, as SPICE_RING_INIT', () => {
    const { r, view } = ring();
    expect(view.getUint32(64, true)).toBe(8); // num_items
    expect(r.prod).toBe(0);
    expect(r.cons).toBe(0);
    expect(r.notifyOnProd).toBe(1);
    expect(r.notifyOnCons).toBe(0);
    expect(r.isEmpty()).toBe(true);
  });

  it('pushes and pops in order through many wrap-arounds', () => {
    const { r, view } = ring(4);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      const n = 1 + (round % 4);
      for (let i = 0; i < n; i++) {
        expect(r.isFull()).toBe(false);
        writeCommandEntry(view, r.prodItemOffset(), { data: BigInt(next), type: next & 7 });
        next++;
        r.push();
      }
      for (let i = 0; i < n; i++) {
        expect(readCommandEntry(view, r.consItemOffset())).toEqual({ data: BigInt(expected), type: expected & 7 });
        expected++;
        r.pop();
      }
      expect(r.isEmpty()).toBe(true);
    }
  });

  it('wraps the u32 counters themselves', () => {
    const { r, view } = ring(4);
    r.prod = 0xffff_fffe;
    r.cons = 0xffff_fffe;
    for (let i = 0; i < 4; i++) {
      writeCommandEntry(view, r.prodItemOffset(), { data: BigInt(i), type: 1 });
      r.push();
    }
    expect(r.prod).toBe(2);
    expect(r.used()).toBe(4);
    expect(r.isFull()).toBe(true);
    for (let i = 0; i < 4; i++) {
      expect(readCommandEntry(view, r.consItemOffset()).data).toBe(BigInt(i));
      r.pop();
    }
    expect(r.isEmpty()).toBe(true);
  });

  it('tells the producer to notify only when the consumer asked (notify_on_prod)', () => {
    const { r } = ring();
    // Initial notify_on_prod = 1: the first push notifies.
    expect(r.push()).toBe(true);
    expect(r.push()).toBe(false);
    r.pop();
    r.pop();
    // Consumer finds the ring empty and asks for the next push.
    expect(r.consWait()).toBe(true);
    expect(r.notifyOnProd).toBe(3);
    expect(r.push()).toBe(true);
    expect(r.push()).toBe(false);
    // Not empty: consWait does not arm anything.
    expect(r.consWait()).toBe(false);
    expect(r.notifyOnProd).toBe(3);
  });

  it('tells the consumer to notify when the producer waits on a full ring (notify_on_cons)', () => {
    const { r } = ring(4);
    for (let i = 0; i < 4; i++) r.push();
    expect(r.isFull()).toBe(true);
    expect(r.prodWait()).toBe(true);
    expect(r.notifyOnCons).toBe(1);
    expect(r.pop()).toBe(true); // frees the slot the producer waits for
    expect(r.pop()).toBe(false);
    expect(r.prodWait()).toBe(false);
  });

  it('treats counters a guest scribbled as full rather than indexing out of the ring', () => {
    const { r } = ring(4);
    r.prod = 1000;
    r.cons = 3;
    expect(r.isFull()).toBe(true);
    // Items are always addressed through the mask.
    expect(r.itemOffset(1000)).toBe(64 + 20 + (1000 & 3) * 16);
  });

  it('refuses a ring that does not fit or is not a power of two', () => {
    const bytes = new Uint8Array(new SharedArrayBuffer(256));
    expect(() => createQxlRing({ bytes, offset: 0, numItems: 6, itemSize: 16 })).toThrow();
    expect(() => createQxlRing({ bytes, offset: 2, numItems: 4, itemSize: 16 })).toThrow();
    expect(() => createQxlRing({ bytes, offset: 0, numItems: 32, itemSize: 16 })).toThrow();
  });
});
