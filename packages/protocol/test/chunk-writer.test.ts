import { describe, expect, it } from 'vitest';
import { BY_REFERENCE_BYTES, ChunkWriter, concatChunks, SLAB_BYTES } from '../src/index.js';

describe('ChunkWriter', () => {
  it('writes little-endian integers and patches pointers to targets written after the fixed part', () => {
    const w = new ChunkWriter(16);
    w.u16(0x0102);
    const slot = w.slot();
    w.i32(-2);
    w.defer(slot, () => w.u64(0x0807060504030201n));
    const body = concatChunks(w.finish());
    expect([...body]).toEqual([2, 1, 10, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('passes long byte runs by reference and keeps counting offsets across them', () => {
    const big = new Uint8Array(BY_REFERENCE_BYTES);
    const w = new ChunkWriter();
    const slot = w.slot();
    w.bytes(big);
    w.defer(slot, () => w.u8(9));
    const chunks = w.finish();
    expect(chunks).toContain(big);
    const body = concatChunks(chunks);
    expect(new DataView(body.buffer).getUint32(0, true)).toBe(4 + BY_REFERENCE_BYTES);
    expect(body[4 + BY_REFERENCE_BYTES]).toBe(9);
  });

  it('never lets a later or interleaved writer overwrite chunks already returned', () => {
    const a = new ChunkWriter(8);
    const b = new ChunkWriter(8);
    for (let i = 0; i < 20; i++) {
      a.u8(1);
      b.u8(2);
    }
    const first = a.finish();
    const second = b.finish();
    const kept = concatChunks(first);
    // Enough traffic to roll over several slabs.
    for (let i = 0; i < (3 * SLAB_BYTES) / 64; i++) {
      const w = new ChunkWriter(64);
      for (let k = 0; k < 16; k++) w.u32(0xffffffff);
      w.finish();
    }
    expect(concatChunks(first)).toEqual(kept);
    expect([...concatChunks(first)]).toEqual(new Array(20).fill(1));
    expect([...concatChunks(second)]).toEqual(new Array(20).fill(2));
  });

  it('handles writes larger than a slab region', () => {
    const w = new ChunkWriter(16);
    const run = new Uint8Array(100).fill(3);
    w.bytes(run);
    for (let i = 0; i < SLAB_BYTES / 2 / 4; i++) w.u32(i);
    const body = concatChunks(w.finish());
    expect(body.byteLength).toBe(100 + SLAB_BYTES / 2);
    expect(new DataView(body.buffer).getUint32(100 + 4 * 1000, true)).toBe(1000);
  });
});
