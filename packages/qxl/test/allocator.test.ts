import { describe, expect, it } from 'vitest';
import { createHeapAllocator, HEAP_ALIGN } from '../src/allocator.js';
import { QxlErrorCode } from '../src/errors.js';
import { rng } from './helpers.js';

describe('heap allocator', () => {
  it('hands out aligned, disjoint blocks until full', () => {
    const heap = createHeapAllocator(100, 100 + 1024);
    expect(heap.start % HEAP_ALIGN).toBe(0);
    const blocks: number[] = [];
    for (let b = heap.alloc(100); b !== null; b = heap.alloc(100)) blocks.push(b);
    expect(blocks.length).toBe(Math.floor((heap.end - heap.start) / 104));
    for (let i = 1; i < blocks.length; i++) expect((blocks[i] as number) - (blocks[i - 1] as number)).toBe(104);
    for (const b of blocks) expect(b % HEAP_ALIGN).toBe(0);
  });

  it('coalesces freed neighbours back into one block, in any order', () => {
    const heap = createHeapAllocator(0, 4096);
    const random = rng(3);
    for (let round = 0; round < 50; round++) {
      const blocks: number[] = [];
      for (
        let b = heap.alloc(8 + Math.floor(random() * 200));
        b !== null;
        b = heap.alloc(8 + Math.floor(random() * 200))
      )
        blocks.push(b);
      blocks.sort(() => random() - 0.5);
      for (const b of blocks) heap.free(b);
      expect(heap.allocations).toBe(0);
      expect(heap.largestFree).toBe(4096);
      expect(heap.freeBytes).toBe(4096);
    }
  });

  it('refuses double frees and bad sizes', () => {
    const heap = createHeapAllocator(0, 4096);
    const b = heap.alloc(10) as number;
    heap.free(b);
    expect(() => heap.free(b)).toThrow(expect.objectContaining({ code: QxlErrorCode.BadState }));
    expect(() => heap.alloc(0)).toThrow(expect.objectContaining({ code: QxlErrorCode.BadValue }));
    expect(heap.alloc(8192)).toBeNull();
  });
});
