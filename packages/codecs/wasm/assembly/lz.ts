// LZ encoder (the RGB32 pass) for WebAssembly, compiled by AssemblyScript (see ../build.mjs).
//
// It writes the same bytes as encodeLz in ../../src/lz-encode.ts (and spice-common's lz.c): the
// caller copies the pixels, packed and in stream row order, into linear memory and this module
// codes them. No AssemblyScript runtime objects are used: every buffer is a raw address the
// JavaScript side lays out above heapBase().

/** Size of the match-finder hash table (lz.c HASH_LOG 13). */
const HASH_SIZE: i32 = 1 << 13;
const HASH_MASK: u32 = <u32>HASH_SIZE - 1;
/** Seed of the DJB2 hash over three pixels (lz_compress_tmpl.c DJB2_START). */
const HASH_START: u32 = 5381;
/** Literal runs hold at most 32 pixels (lz.c MAX_COPY). */
const MAX_COPY: i32 = 32;
/** Distances below this are coded in 13 bits (lz.c MAX_DISTANCE). */
const MAX_DISTANCE: i32 = 8191;
/** Matches are searched no further back than this (lz.c MAX_FARDISTANCE). */
const MAX_FAR_DISTANCE: i32 = 65535 + MAX_DISTANCE - 1;
/** The control byte written before a literal run is known; patched when the run ends. */
const LITERAL_PLACEHOLDER: u8 = <u8>(MAX_COPY - 1);

/** Last position of each hash (pixel index), zeroed at the start of each pass. */
const htab: usize = memory.data(HASH_SIZE * 4, 16);

/** First free byte of linear memory: the JavaScript side places its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}

/** Bytes the body of an RGB32 pass of `n` pixels can take, plus one byte of slack for 4-byte stores. */
export function rgb32Bound(n: i32): i32 {
  return n * 3 + (n >> 4) + 16;
}

/** Both pixels of a 64-bit load: the X bytes do not count. */
const PAIR_MASK: u64 = ((<u64>0xffffff) << 32) | 0xffffff;

/** Small helpers AssemblyScript inlines (its inline decorator applies to methods, not functions). */
// biome-ignore lint/complexity/noStaticOnlyClass: a decorated static method is how AssemblyScript inlines
class P {
  /** The colour of pixel `i` (B,G,R in the low 24 bits; the X byte masked out). */
  @inline static pixel(src: usize, i: i32): u32 {
    return load<u32>(src + ((<usize>i) << 2)) & 0xffffff;
  }

  /** True when pixels i, i+1 equal pixels j, j+1 in colour (one 64-bit compare). */
  @inline static samePair(src: usize, i: i32, j: i32): bool {
    return ((load<u64>(src + ((<usize>i) << 2)) ^ load<u64>(src + ((<usize>j) << 2))) & PAIR_MASK) === 0;
  }

  /** DJB2 (h × 33 ^ byte) over R,G,B of the pixels a, b, c, low 13 bits. */
  @inline static hash3(a: u32, b: u32, c: u32): i32 {
    let h: u32 = (HASH_START * 33) ^ ((a >> 16) & 0xff);
    h = (h * 33) ^ ((a >> 8) & 0xff);
    h = (h * 33) ^ (a & 0xff);
    h = (h * 33) ^ ((b >> 16) & 0xff);
    h = (h * 33) ^ ((b >> 8) & 0xff);
    h = (h * 33) ^ (b & 0xff);
    h = (h * 33) ^ ((c >> 16) & 0xff);
    h = (h * 33) ^ ((c >> 8) & 0xff);
    h = (h * 33) ^ (c & 0xff);
    return <i32>(h & HASH_MASK);
  }

  /** The hash of pixels i, i+1, i+2. */
  @inline static hash(src: usize, i: i32): i32 {
    const p = src + ((<usize>i) << 2);
    return P.hash3(load<u32>(p), load<u32>(p, 4), load<u32>(p, 8));
  }

  @inline static htabGet(h: i32): i32 {
    return load<i32>(htab + ((<usize>h) << 2));
  }

  @inline static htabSet(h: i32, v: i32): void {
    store<i32>(htab + ((<usize>h) << 2), v);
  }
}

/** Writes a match of biased length `len` at biased distance `distance` (the fastlz level 2 layout). */
function writeMatch(at: usize, len: i32, distance: i32): usize {
  let pos = at;
  if (distance < MAX_DISTANCE) {
    if (len < 7) {
      store<u8>(pos++, <u8>((len << 5) + (distance >> 8)));
    } else {
      store<u8>(pos++, <u8>((7 << 5) + (distance >> 8)));
      let rest = len - 7;
      for (; rest >= 255; rest -= 255) store<u8>(pos++, 255);
      store<u8>(pos++, <u8>rest);
    }
    store<u8>(pos++, <u8>(distance & 255));
    return pos;
  }
  const far = distance - MAX_DISTANCE;
  if (len < 7) {
    store<u8>(pos++, <u8>((len << 5) + 31));
  } else {
    store<u8>(pos++, <u8>((7 << 5) + 31));
    let rest = len - 7;
    for (; rest >= 255; rest -= 255) store<u8>(pos++, 255);
    store<u8>(pos++, <u8>rest);
  }
  store<u8>(pos++, 255);
  store<u8>(pos++, <u8>(far >> 8));
  store<u8>(pos++, <u8>(far & 255));
  return pos;
}

/**
 * Codes `n` packed 32-bit B,G,R,X pixels at `src` (4-byte aligned) as one LZ RGB32 pass written
 * at `dst`; returns the address after the last byte. `dst` needs rgb32Bound(n) bytes.
 */
export function compressRgb32(src: usize, n: i32, dst: usize): usize {
  let pos = dst;
  if (n < 4) {
    store<u8>(pos++, <u8>(n - 1));
    for (let i = 0; i < n; i++) {
      store<u32>(pos, P.pixel(src, i));
      pos += 3;
    }
    return pos;
  }
  memory.fill(htab, 0, <usize>HASH_SIZE * 4);
  let lastCopy = pos;
  store<u8>(pos++, LITERAL_PLACEHOLDER);
  store<u32>(pos, P.pixel(src, 0));
  pos += 3;
  store<u32>(pos, P.pixel(src, 1));
  pos += 3;
  let copy = 2;
  let ip = 2;
  const ipBound = n - 2;
  const ipLimit = n - 6;

  while (ip < ipLimit) {
    const anchor = ip;
    const at = src + ((<usize>ip) << 2);
    const prev = load<u32>(at - 4);
    const cur = load<u32>(at);
    const next1 = load<u32>(at, 4);
    const next2 = load<u32>(at, 8);
    const colour = cur & 0xffffff;
    let distance: i32;
    if ((((prev ^ cur) | (cur ^ next1) | (cur ^ next2)) & 0xffffff) === 0) {
      // A run of the previous pixel: extend while pixel ip - 1 still has its colour.
      distance = 0;
      ip += 3;
      const pair: u64 = ((<u64>colour) << 32) | <u64>colour;
      while (ip + 1 < ipBound && ((load<u64>(src + ((<usize>(ip - 1)) << 2)) ^ pair) & PAIR_MASK) === 0) ip += 2;
      while (ip < ipBound && P.pixel(src, ip - 1) === colour) ip++;
    } else {
      const h = P.hash3(cur, next1, next2);
      let ref = P.htabGet(h);
      distance = anchor - ref;
      P.htabSet(h, anchor);
      if (distance === 0 || distance >= MAX_FAR_DISTANCE || P.pixel(src, ref) !== colour) {
        // No match: one literal pixel.
        store<u32>(pos, colour);
        pos += 3;
        ip = anchor + 1;
        if (++copy === MAX_COPY) {
          copy = 0;
          lastCopy = pos;
          store<u8>(pos++, LITERAL_PLACEHOLDER);
        }
        continue;
      }
      ref++;
      ip++;
      if (distance >= MAX_DISTANCE) {
        // A far match must be at least two pixels long.
        if (P.pixel(src, ref) !== P.pixel(src, ip)) {
          store<u32>(pos, colour);
          pos += 3;
          ip = anchor + 1;
          if (++copy === MAX_COPY) {
            copy = 0;
            lastCopy = pos;
            store<u8>(pos++, LITERAL_PLACEHOLDER);
          }
          continue;
        }
        ref++;
        ip++;
      }
      distance--;
      // ref < ip < ipBound < n throughout: only ip needs a bound. The first differing pixel
      // still counts one step (taken back with the other two below).
      while (ip + 1 < ipBound && P.samePair(src, ref, ip)) {
        ref += 2;
        ip += 2;
      }
      while (ip < ipBound) {
        if (P.pixel(src, ref) !== P.pixel(src, ip)) {
          ip++;
          break;
        }
        ref++;
        ip++;
      }
    }
    if (copy) store<u8>(lastCopy, <u8>(copy - 1));
    else pos--;
    copy = 0;
    ip -= 3;
    pos = writeMatch(pos, ip - anchor + 2, distance);
    if (ip > anchor) P.htabSet(P.hash(src, ip), ip);
    ip++;
    if (ip > anchor) P.htabSet(P.hash(src, ip), ip);
    ip++;
    lastCopy = pos;
    store<u8>(pos++, LITERAL_PLACEHOLDER);
  }
  for (; ip < n; ip++) {
    store<u32>(pos, P.pixel(src, ip));
    pos += 3;
    if (++copy === MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      store<u8>(pos++, LITERAL_PLACEHOLDER);
    }
  }
  if (copy) store<u8>(lastCopy, <u8>(copy - 1));
  else pos--;
  return pos;
}
