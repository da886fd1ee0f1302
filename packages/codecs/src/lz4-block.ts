import { CorruptStreamError } from './errors.js';

/** Shortest match of the LZ4 block format. */
const MIN_MATCH = 4;
/** The last 5 bytes of a block are literals (LZ4 block format, "end of block conditions"). */
const LAST_LITERALS = 5;
/** The last match starts at least 12 bytes before the block end (LZ4 MFLIMIT). */
const MF_LIMIT = 12;
/** Offsets are 16-bit (LZ4 block format). */
const MAX_OFFSET = 65535;
/** Match-finder hash: 2^12 entries over 4 bytes, as liblz4 by default (LZ4_MEMORY_USAGE 14); 2^16 was half as fast on photos for no gain. */
const HASH_LOG = 12;
/** Search acceleration as in LZ4_compress_fast: the step grows by one every 2^6 failed probes. */
const SKIP_TRIGGER = 6;

/** Largest compressed size of `n` input bytes (LZ4_compressBound). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function writeLength(dst: Uint8Array, at: number, rest: number): number {
  let pos = at;
  let r = rest;
  for (; r >= 255; r -= 255) dst[pos++] = 255;
  dst[pos++] = r;
  return pos;
}

/**
 * Compresses `src` as one LZ4 block (the block format liblz4's LZ4_decompress_safe reads) into
 * `dst` at `dstPos`; returns the position after it. `dst` needs lz4CompressBound(src.length) bytes.
 * Greedy single-probe matching, as LZ4's fast mode; our own code, not a port.
 */
export function lz4CompressBlock(src: Uint8Array, dst: Uint8Array, dstPos: number): number {
  const n = src.length;
  let pos = dstPos;
  let anchor = 0;
  if (n >= MF_LIMIT + 1) {
    // One 32-bit load per probe (V8 compiles DataView reads to plain loads).
    const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
    // Positions are stored + 1 so that 0 means empty.
    const table = new Int32Array(1 << HASH_LOG);
    const shift = 32 - HASH_LOG;
    const mfLimit = n - MF_LIMIT;
    const matchLimit = n - LAST_LITERALS;
    let ip = 1;
    table[Math.imul(view.getInt32(0, true), 2654435761) >>> shift] = 1;
    outer: while (true) {
      // Find a match.
      let ref = 0;
      let probes = 1 << SKIP_TRIGGER;
      let step = 1;
      while (true) {
        if (ip > mfLimit) break outer;
        const seq = view.getInt32(ip, true);
        const h = Math.imul(seq, 2654435761) >>> shift;
        ref = table[h]! - 1;
        table[h] = ip + 1;
        if (ref >= 0 && ip - ref <= MAX_OFFSET && view.getInt32(ref, true) === seq) break;
        ip += step;
        step = probes++ >>> SKIP_TRIGGER;
      }
      // Extend backwards over pending literals.
      while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      const litLen = ip - anchor;
      let token = pos++;
      if (litLen >= 15) {
        dst[token] = 15 << 4;
        pos = writeLength(dst, pos, litLen - 15);
      } else {
        dst[token] = litLen << 4;
      }
      if (litLen > 32) {
        dst.set(src.subarray(anchor, ip), pos);
        pos += litLen;
      } else {
        for (let k = anchor; k < ip; k++) dst[pos++] = src[k]!;
      }
      // Matches, as long as each one is followed at once by another (no literals between).
      while (true) {
        const offset = ip - ref;
        dst[pos++] = offset & 0xff;
        dst[pos++] = offset >>> 8;
        const start = ip;
        ip += MIN_MATCH;
        ref += MIN_MATCH;
        while (ip < matchLimit && src[ip] === src[ref]) {
          ip++;
          ref++;
        }
        const matchLen = ip - start - MIN_MATCH;
        if (matchLen >= 15) {
          dst[token]! |= 15;
          pos = writeLength(dst, pos, matchLen - 15);
        } else {
          dst[token]! |= matchLen;
        }
        anchor = ip;
        if (ip > mfLimit) break outer;
        table[Math.imul(view.getInt32(ip - 2, true), 2654435761) >>> shift] = ip - 2 + 1;
        const seq = view.getInt32(ip, true);
        const h = Math.imul(seq, 2654435761) >>> shift;
        ref = table[h]! - 1;
        table[h] = ip + 1;
        if (ref >= 0 && ip - ref <= MAX_OFFSET && view.getInt32(ref, true) === seq) {
          token = pos++;
          dst[token] = 0;
          continue;
        }
        ip++;
        break;
      }
    }
  }
  // Last literals.
  const litLen = n - anchor;
  if (litLen >= 15) {
    dst[pos++] = 15 << 4;
    pos = writeLength(dst, pos, litLen - 15);
  } else {
    dst[pos++] = litLen << 4;
  }
  dst.set(src.subarray(anchor, n), pos);
  return pos + litLen;
}

const corrupt = (message: string): CorruptStreamError => new CorruptStreamError('LZ4', message);

/**
 * Decodes one LZ4 block `src[start, end)` into `out` at `outPos` (matches may reach back into
 * earlier blocks written to `out`, as LZ4_decompress_safe_continue allows); returns the output
 * position after it. Every length and offset is checked against both buffers.
 */
export function lz4DecompressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outPos: number,
): number {
  let ip = start;
  let op = outPos;
  const cap = out.length;
  while (true) {
    if (ip >= end) throw corrupt('truncated block');
    const token = src[ip++]!;
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt('truncated literal length');
        b = src[ip++]!;
        litLen += b;
      } while (b === 255);
    }
    if (litLen > end - ip) throw corrupt('literals past the block end');
    if (litLen > cap - op) throw corrupt('literals past the image end');
    out.set(src.subarray(ip, ip + litLen), op);
    ip += litLen;
    op += litLen;
    if (ip === end) return op;
    if (end - ip < 2) throw corrupt('truncated offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw corrupt(`match offset ${offset} outside the output`);
    let matchLen = (token & 15) + MIN_MATCH;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt('truncated match length');
        b = src[ip++]!;
        matchLen += b;
      } while (b === 255);
    }
    if (matchLen > cap - op) throw corrupt('match past the image end');
    let ref = op - offset;
    if (offset >= matchLen) {
      out.copyWithin(op, ref, ref + matchLen);
      op += matchLen;
    } else {
      const stop = op + matchLen;
      while (op < stop) out[op++] = out[ref++]!;
    }
  }
}
