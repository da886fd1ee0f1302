import { QxlBadStateError, QxlBadValueError } from './errors.js';

/** Alignment of every block (QXL structures are packed; 8 keeps u64 fields aligned anyway). */
export const HEAP_ALIGN = 8;

/**
 * A first-fit allocator over byte offsets [start, end) of some region, with coalescing of free
 * neighbours. It hands out offsets only; the caller writes the bytes. Used by the guest driver for
 * the commands, images and chunks it places in device RAM.
 */
export interface HeapAllocator {
  readonly start: number;
  readonly end: number;
  readonly freeBytes: number;
  readonly usedBytes: number;
  /** Size of the largest free block: the biggest allocation that can succeed now. */
  readonly largestFree: number;
  /** Blocks currently allocated. */
  readonly allocations: number;
  /** Allocates `size` bytes (rounded up to HEAP_ALIGN); null when no free block is big enough. */
  alloc(size: number): number | null;
  /** Frees a block returned by alloc(). Throws QxlBadStateError for an offset that is not allocated. */
  free(offset: number): void;
}

class FirstFitAllocator implements HeapAllocator {
  readonly start: number;
  readonly end: number;
  // Free blocks sorted by offset, kept in two parallel arrays.
  private readonly freeOffsets: number[] = [];
  private readonly freeSizes: number[] = [];
  private readonly used = new Map<number, number>();
  private usedTotal = 0;

  constructor(start: number, end: number) {
    const s = Math.ceil(start / HEAP_ALIGN) * HEAP_ALIGN;
    const e = Math.floor(end / HEAP_ALIGN) * HEAP_ALIGN;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || e <= s) {
      throw new QxlBadValueError('heap', `${start}-${end}`, 'is not a usable range');
    }
    this.start = s;
    this.end = e;
    this.freeOffsets.push(s);
    this.freeSizes.push(e - s);
  }

  get freeBytes(): number {
    return this.end - this.start - this.usedTotal;
  }

  get usedBytes(): number {
    return this.usedTotal;
  }

  get largestFree(): number {
    let best = 0;
    for (const size of this.freeSizes) if (size > best) best = size;
    return best;
  }

  get allocations(): number {
    return this.used.size;
  }

  alloc(size: number): number | null {
    if (!Number.isSafeInteger(size) || size <= 0)
      throw new QxlBadValueError('alloc size', size, 'is not a positive integer');
    const need = Math.ceil(size / HEAP_ALIGN) * HEAP_ALIGN;
    for (let i = 0; i < this.freeSizes.length; i++) {
      const blockSize = this.freeSizes[i] as number;
      if (blockSize < need) continue;
      const offset = this.freeOffsets[i] as number;
      if (blockSize === need) {
        this.freeOffsets.splice(i, 1);
        this.freeSizes.splice(i, 1);
      } else {
        this.freeOffsets[i] = offset + need;
        this.freeSizes[i] = blockSize - need;
      }
      this.used.set(offset, need);
      this.usedTotal += need;
      return offset;
    }
    return null;
  }

  free(offset: number): void {
    const size = this.used.get(offset);
    if (size === undefined) throw new QxlBadStateError('heap free', 'offset is not allocated', offset);
    this.used.delete(offset);
    this.usedTotal -= size;
    // Binary search for the first free block after `offset`.
    let lo = 0;
    let hi = this.freeOffsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.freeOffsets[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    let start = offset;
    let length = size;
    let at = lo;
    const prev = at - 1;
    if (prev >= 0 && (this.freeOffsets[prev] as number) + (this.freeSizes[prev] as number) === start) {
      start = this.freeOffsets[prev] as number;
      length += this.freeSizes[prev] as number;
      this.freeOffsets.splice(prev, 1);
      this.freeSizes.splice(prev, 1);
      at = prev;
    }
    if (at < this.freeOffsets.length && this.freeOffsets[at] === start + length) {
      length += this.freeSizes[at] as number;
      this.freeOffsets.splice(at, 1);
      this.freeSizes.splice(at, 1);
    }
    this.freeOffsets.splice(at, 0, start);
    this.freeSizes.splice(at, 0, length);
  }
}

export function createHeapAllocator(start: number, end: number): HeapAllocator {
  return new FirstFitAllocator(start, end);
}
