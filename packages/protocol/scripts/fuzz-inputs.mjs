// Deterministic fuzz inputs for scripts/fuzz.mjs: a seeded PRNG, random valid values built from the
// exported schema, and byte mutations. Input number i of a channel depends only on (seed, channel, i),
// so any input can be regenerated alone (`--replay channel:index`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as P from '../dist/index.js';

const { schema } = P;

/** Largest random input length of the common case; a few inputs are much larger. */
export const SMALL_INPUT_MAX = 512;
/** Largest "large" random input (64 KiB) and the size of the rare huge, mostly zero input (1 MiB). */
export const LARGE_INPUT_MAX = 64 * 1024;
export const HUGE_INPUT_SIZE = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// PRNG: sfc32 (Chris Doty-Humphrey's small fast counter), seeded through a 32-bit mixer.

function mix32(x) {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function hashString(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rng {
  constructor(a, b, c, d) {
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** The generator of input `index` of a channel. */
  static forInput(seed, channel, index) {
    const s = mix32(seed);
    const ch = mix32(hashString(channel) ^ 0x9e3779b9);
    const lo = mix32(index ^ s);
    const hi = mix32(Math.floor(index / 0x100000000) ^ ch ^ 0x6a09e667);
    return new Rng(s ^ ch, lo, hi, mix32(lo ^ hi ^ 0xbb67ae85));
  }

  u32() {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float() {
    return this.u32() / 0x100000000;
  }

  /** An integer in [min, max] (both inclusive, span below 2^32). */
  int(min, max) {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p) {
    return this.float() < p;
  }

  pick(items) {
    return items[Math.floor(this.float() * items.length)];
  }

  u64() {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  fill(bytes, from = 0, to = bytes.length) {
    let i = from;
    for (; i + 4 <= to; i += 4) {
      const v = this.u32();
      bytes[i] = v;
      bytes[i + 1] = v >>> 8;
      bytes[i + 2] = v >>> 16;
      bytes[i + 3] = v >>> 24;
    }
    for (; i < to; i++) bytes[i] = this.u32();
    return bytes;
  }
}

// ---------------------------------------------------------------------------------------------
// Random valid values from the schema (the same rules as test/generated-codecs.test.ts: size fields
// are left out and derived by the encoder, image dimensions are kept small).

const structByName = new Map(schema.structs.map((s) => [s.name, s]));
const sizeFieldCache = new WeakMap();

function sizeFieldNames(members) {
  const cached = sizeFieldCache.get(members);
  if (cached) return cached;
  const counts = new Set();
  const dims = new Set();
  const visit = (t) => {
    if (t.kind === 'pointer') visit(t.to);
    if (t.kind === 'bytes' || t.kind === 'array') {
      if ('field' in t.size) counts.add(t.size.field);
      if ('image' in t.size) {
        dims.add(t.size.image.width);
        dims.add(t.size.image.height);
      }
    }
  };
  for (const m of members) {
    if (m.kind === 'field') visit(m.type);
    else for (const c of [...m.cases, { fields: m.otherwise ?? [] }]) for (const fl of c.fields) visit(fl.type);
  }
  const result = { counts, dims };
  sizeFieldCache.set(members, result);
  return result;
}

const EDGE_U32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

function randomPrim(t, rng, small) {
  if (t.values) return rng.pick(t.values);
  if (small) return rng.int(0, 9);
  const edge = rng.chance(0.1);
  switch (t.prim) {
    case 'u8':
      return edge ? rng.pick([0, 1, 0x7f, 0x80, 0xff]) : rng.int(0, 0xff);
    case 'i8':
      return rng.int(-0x80, 0x7f);
    case 'u16':
      return edge ? rng.pick([0, 1, 0x7fff, 0x8000, 0xffff]) : rng.int(0, 0xffff);
    case 'i16':
      return rng.int(-0x8000, 0x7fff);
    case 'u32':
      return edge ? rng.pick(EDGE_U32) : rng.u32();
    case 'i32':
      return rng.u32() | 0;
    case 'u64':
      return rng.u64();
    case 'i64':
      return BigInt.asIntN(64, rng.u64());
  }
  throw new Error(`unknown primitive ${t.prim}`);
}

function randomWire(t, rng, parent, small, depth) {
  switch (t.kind) {
    case 'prim':
      return randomPrim(t, rng, small);
    case 'struct': {
      const def = structByName.get(t.name);
      if (!def) throw new Error(`unknown struct ${t.name}`);
      return buildMembers(def.members, rng, depth + 1);
    }
    case 'pointer':
      if (!t.nonnull && (depth > 3 || rng.chance(0.4))) return null;
      return randomWire(t.to, rng, parent, false, depth + 1);
    case 'bytes': {
      const s = t.size;
      let n;
      if ('fixed' in s) n = s.fixed;
      else if ('image' in s) n = Math.floor((s.image.bits * parent[s.image.width] + 7) / 8) * parent[s.image.height];
      else n = rng.chance(0.05) ? rng.int(0, 2048) : rng.int(0, 16);
      return rng.fill(new Uint8Array(n));
    }
    case 'array': {
      const n = depth > 3 ? rng.int(0, 1) : rng.int(0, 4);
      return Array.from({ length: n }, () => randomWire(t.of, rng, parent, false, depth + 1));
    }
  }
  throw new Error(`unknown wire type ${t.kind}`);
}

function tagOf(value, path) {
  let x = value;
  for (const p of path) x = x[p];
  return x;
}

/** A random valid value of a member list: tags first, then the arm they select. */
export function buildMembers(members, rng, depth = 0) {
  const { counts, dims } = sizeFieldNames(members);
  const v = {};
  const put = (fl) => {
    if (counts.has(fl.name)) return;
    v[fl.name] = randomWire(fl.type, rng, v, dims.has(fl.name), depth);
  };
  for (const m of members) {
    if (m.kind === 'field') {
      put(m);
      continue;
    }
    const tag = tagOf(v, m.on);
    const arm = m.cases.find((c) =>
      m.flags ? ((tag & c.values.reduce((a, b) => a | b, 0)) !== 0) !== (c.not ?? false) : c.values.includes(tag),
    );
    for (const fl of arm ? arm.fields : (m.otherwise ?? [])) put(fl);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Shape adapters: a few exported codecs are hand-written (src/messages/) with shapes that differ from
// the schema's. These turn a schema value into the hand-written shape.

const IMAGE_BITMAP = 0;
const IMAGE_SURFACE = 104;
const BINARY_IMAGES = new Map([
  [1, 'quic'],
  [101, 'lzRgb'],
  [102, 'lzRgb'],
  [105, 'jpeg'],
  [109, 'lz4'],
]);
const CACHE_IMAGES = new Set([103, 106]);
const PAL_FROM_CACHE = 2;
const BRUSH_PATTERN = 2;

/** Schema Image → hand-written SpiceImage (types the hand-written codec lacks become cache images). */
function handImage(image) {
  if (image === null || image === undefined) return null;
  const d = image.descriptor;
  if (d.type === IMAGE_BITMAP) {
    const b = image.bitmap;
    const bitmap = {
      format: b.format,
      flags: b.flags,
      x: Math.min(b.x, Math.floor((b.stride * 8) / P.bitmapFormatBits(b.format))),
      y: b.y,
      stride: b.stride,
      palette: b.palette ? { unique: b.palette.unique, entries: Uint32Array.from(b.palette.ents) } : null,
      data: b.data,
    };
    if (b.flags & PAL_FROM_CACHE) bitmap.paletteId = b.paletteId;
    return { kind: 'bitmap', descriptor: d, bitmap };
  }
  const binary = BINARY_IMAGES.get(d.type);
  if (binary) return { kind: 'binary', descriptor: d, data: image[binary].data };
  if (d.type === IMAGE_SURFACE) return { kind: 'surface', descriptor: d, surfaceId: image.surfaceId };
  if (CACHE_IMAGES.has(d.type)) return { kind: 'cache', descriptor: d };
  return { kind: 'cache', descriptor: { ...d, type: 103 } };
}

function handMask(mask) {
  return { flags: mask.flags, pos: mask.pos, bitmap: handImage(mask.bitmap) };
}

function handBrush(brush) {
  if (brush.type === BRUSH_PATTERN)
    return { type: brush.type, pattern: handImage(brush.pattern.pat), pos: brush.pattern.pos };
  return brush;
}

/** `channel.messageId` → adapter from the schema shape to the exported codec's shape. */
const ADAPTERS = {
  'display.drawCopy': (v) => ({
    ...v,
    srcBitmap: handImage(v.srcBitmap) ?? {
      kind: 'cache',
      descriptor: { id: 0n, type: 103, flags: 0, width: 0, height: 0 },
    },
    mask: handMask(v.mask),
  }),
  'display.drawFill': (v) => ({ ...v, brush: handBrush(v.brush), mask: handMask(v.mask) }),
};

// ---------------------------------------------------------------------------------------------
// Fuzz targets: every message of every channel, both directions, as the package exports them.

/**
 * Channels of the schema with the exported codec of each message. The spicevmc channel stands for
 * usbredir and webdav too (they share its messages); port has its own. With `corpusDir`, captured
 * messages found there become extra seeds (see loadCorpus).
 */
export function fuzzChannels(corpusDir = null) {
  const namespaces = {
    base: P.base,
    main: P.main,
    display: P.display,
    inputs: P.inputs,
    cursor: P.cursor,
    playback: P.playback,
    record: P.record,
    smartcard: P.smartcard,
    spicevmc: P.spicevmc,
    port: P.port,
  };
  const out = [];
  for (const ch of schema.channels) {
    const ns = namespaces[ch.name];
    if (!ns) throw new Error(`the package exports no namespace for channel ${ch.name}`);
    const targets = [];
    for (const [direction, list] of [
      ['server', ch.server],
      ['client', ch.client],
    ]) {
      for (const msg of list) {
        const codec = ns[msg.id];
        if (!codec || typeof codec.decode !== 'function') throw new Error(`no exported codec ${ch.name}.${msg.id}`);
        targets.push({
          label: `${direction}:${msg.wireName}`,
          direction,
          type: msg.type,
          decode: (bytes) => codec.decode(bytes),
          encode: (value) => P.concatChunks(codec.encode(value)),
          valid: (rng) => {
            const value = buildMembers(msg.members, rng);
            const adapt = ADAPTERS[`${ch.name}.${msg.id}`];
            return P.concatChunks(codec.encode(adapt ? adapt(value) : value)).slice();
          },
        });
      }
    }
    out.push({ name: ch.name, targets, corpus: [] });
  }
  out.push({ name: 'link', targets: linkTargets(), corpus: [] });
  if (corpusDir) loadCorpus(corpusDir, out);
  return out;
}

/** Captured stream names that are spoken with another channel's schema. */
const CAPTURED_AS = { usbredir: 'spicevmc', webdav: 'spicevmc' };
const FIRST_CHANNEL_MESSAGE = 101;

/**
 * Adds captured messages as seeds: files `<channel>-<server|client>.bin` holding
 * [u16 type][u32 size][body] records (the golden fixtures of test/fixtures/golden). Types below
 * 101 are base-channel messages. Records without a matching codec are skipped.
 */
function loadCorpus(dir, channels) {
  if (!existsSync(dir)) return;
  const byName = new Map(channels.map((c) => [c.name, c]));
  for (const file of readdirSync(dir).sort()) {
    const m = /^([a-z]+)-(server|client)\.bin$/.exec(file);
    if (!m) continue;
    const [, captured, direction] = m;
    const bytes = new Uint8Array(readFileSync(join(dir, file)));
    let at = 0;
    while (at + P.MINI_HEADER_SIZE <= bytes.length) {
      const header = P.decodeDataHeader(bytes.subarray(at), true);
      const start = at + P.MINI_HEADER_SIZE;
      if (!header || start + header.size > bytes.length) break;
      const channel = byName.get(header.type < FIRST_CHANNEL_MESSAGE ? 'base' : (CAPTURED_AS[captured] ?? captured));
      const target = channel?.targets.find((t) => t.direction === direction && t.type === header.type);
      if (channel && target) channel.corpus.push({ target, body: bytes.subarray(start, start + header.size) });
      at = start + header.size;
    }
  }
}

function randomCaps(rng) {
  return new P.CapabilitySet(Array.from({ length: rng.int(0, 3) }, () => rng.u32()));
}

/** The link-stage and data-header decoders (not a channel, but they read untrusted bytes first). */
function linkTargets() {
  const linkMess = (rng) => ({
    connectionId: rng.u32(),
    channelType: rng.int(0, 12),
    channelId: rng.int(0, 255),
    commonCaps: randomCaps(rng),
    channelCaps: randomCaps(rng),
  });
  const noEncode = () => new Uint8Array(0);
  return [
    {
      label: 'client:LINK_HEADER',
      decode: (bytes) => P.decodeLinkHeader(bytes),
      encode: (v) => P.encodeLinkHeader(v.size),
      valid: (rng) => P.encodeLinkHeader(rng.int(0, 4096)).slice(),
    },
    {
      label: 'client:LINK_MESS',
      decode: (bytes) => P.decodeLinkMess(bytes),
      encode: (v) => P.encodeLinkMess(v),
      valid: (rng) => P.encodeLinkMess(linkMess(rng)).slice(),
    },
    {
      label: 'server:LINK_REPLY',
      decode: (bytes) => P.decodeLinkReply(bytes),
      encode: (v) => P.encodeLinkReply(v).subarray(P.LINK_HEADER_SIZE),
      // encodeLinkReply sends the link header first; decodeLinkReply reads what follows it.
      valid: (rng) =>
        P.encodeLinkReply({
          error: rng.int(0, 8),
          pubKey: rng.fill(new Uint8Array(162)),
          commonCaps: randomCaps(rng),
          channelCaps: randomCaps(rng),
        })
          .slice(P.LINK_HEADER_SIZE)
          .slice(),
    },
    {
      label: 'both:LINK_U32',
      decode: (bytes) => P.decodeLinkU32(bytes),
      encode: (v) => P.encodeLinkResult(v),
      valid: (rng) => P.encodeLinkResult(rng.u32()).slice(),
    },
    {
      label: 'both:MINI_HEADER',
      decode: (bytes) => P.decodeDataHeader(bytes, true),
      encode: noEncode,
      valid: (rng) => P.encodeMiniHeader(rng.int(0, 0xffff), rng.u32()).slice(),
    },
    {
      label: 'both:FULL_HEADER',
      decode: (bytes) => P.decodeDataHeader(bytes, false),
      encode: noEncode,
      valid: (rng) => P.encodeFullHeader(rng.u64(), rng.int(0, 0xffff), rng.u32(), rng.u32()).slice(),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Inputs: random bytes and mutated valid encodings.

function randomBytes(rng) {
  const r = rng.float();
  let n;
  if (r < 0.001) {
    // Huge and mostly zero: counts that read as 0 over a large body, plus a random prefix.
    const out = new Uint8Array(HUGE_INPUT_SIZE);
    rng.fill(out, 0, rng.int(0, 64));
    return out;
  }
  if (r < 0.03) n = rng.int(SMALL_INPUT_MAX + 1, LARGE_INPUT_MAX);
  else if (r < 0.2) n = rng.int(0, 24);
  else n = rng.int(0, SMALL_INPUT_MAX);
  const out = new Uint8Array(n);
  const style = rng.int(0, 9);
  if (style < 6) rng.fill(out);
  else if (style === 6) out.fill(0xff);
  else if (style === 7) for (let i = 0; i < n; i++) out[i] = rng.u32() & 3;
  else for (let i = 0; i < n; i++) out[i] = rng.chance(0.1) ? rng.u32() : 0;
  return out;
}

function hugeValue(rng, length) {
  return rng.pick([
    0xffffffff,
    0xfffffff0,
    0x80000000,
    0x7fffffff,
    0x40000000,
    0x10000,
    0x1000,
    length,
    length + 1,
    length + rng.int(2, 4096),
    Math.max(0, length - rng.int(1, 8)),
    rng.u32(),
  ]);
}

function setU32(bytes, at, value) {
  bytes[at] = value;
  bytes[at + 1] = value >>> 8;
  bytes[at + 2] = value >>> 16;
  bytes[at + 3] = value >>> 24;
}

function getU32(bytes, at) {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function splice(bytes, at, remove, insert) {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** Applies one mutation; returns the (possibly new) buffer. */
function mutateOnce(bytes, rng, other) {
  const n = bytes.length;
  const at = n === 0 ? 0 : rng.int(0, n - 1);
  switch (rng.int(0, 11)) {
    case 0: // flip a bit
      if (n > 0) bytes[at] ^= 1 << rng.int(0, 7);
      return bytes;
    case 1: // set a byte
      if (n > 0) bytes[at] = rng.chance(0.5) ? rng.pick([0, 1, 0x7f, 0x80, 0xfe, 0xff]) : rng.u32();
      return bytes;
    case 2: // insert bytes
      return splice(bytes, rng.int(0, n), 0, rng.fill(new Uint8Array(rng.int(1, 16))));
    case 3: // delete bytes
      return n === 0 ? bytes : splice(bytes, at, Math.min(n - at, rng.int(1, 16)), new Uint8Array(0));
    case 4: // truncate
      return bytes.slice(0, rng.int(0, n));
    case 5: // append garbage
      return splice(bytes, n, 0, rng.fill(new Uint8Array(rng.int(1, 64))));
    case 6: // a huge or out-of-range u32 anywhere (any alignment)
    case 7:
      if (n >= 4) setU32(bytes, rng.int(0, n - 4), hugeValue(rng, n));
      return bytes;
    case 8:
    case 9: {
      // A u32 that looks like a pointer or a count (small, non-zero): point it out of range / blow it up.
      const candidates = [];
      for (let i = 0; i + 4 <= n; i++) {
        const v = getU32(bytes, i);
        if (v > 0 && v <= n + 16) candidates.push(i);
      }
      if (candidates.length > 0) setU32(bytes, rng.pick(candidates), hugeValue(rng, n));
      return bytes;
    }
    case 10: // a huge u16 (u16 counts: palette entries, string lengths, ...)
      if (n >= 2) {
        const v = rng.pick([0xffff, 0x8000, 0x7fff, 0x100, n]);
        const i = rng.int(0, n - 2);
        bytes[i] = v;
        bytes[i + 1] = v >>> 8;
      }
      return bytes;
    default: {
      // splice in a piece of another message's valid encoding
      if (other.length === 0) return bytes;
      const from = rng.int(0, other.length - 1);
      const piece = other.subarray(from, from + rng.int(1, 32));
      const to = rng.int(0, n);
      return splice(bytes, to, rng.chance(0.5) ? Math.min(piece.length, n - to) : 0, piece);
    }
  }
}

/**
 * Input `index` of a channel: `{ target, kind, bytes, seedError }`. kind is 'random', 'valid' (an
 * unmodified encoding), 'mutated', 'captured' (a captured message as is) or 'captured-mutated'. seedError is set when encoding the random valid value threw
 * (then bytes are random instead).
 */
export function makeInput(channel, seed, index) {
  const rng = Rng.forInput(seed, channel.name, index);
  let target = rng.pick(channel.targets);
  if (rng.chance(0.35)) return { target, kind: 'random', bytes: randomBytes(rng), seedError: null };
  let bytes;
  let kind = 'mutated';
  if (channel.corpus.length > 0 && rng.chance(0.2)) {
    const record = rng.pick(channel.corpus);
    target = record.target;
    bytes = record.body.slice();
    if (rng.chance(0.05)) return { target, kind: 'captured', bytes, seedError: null };
    kind = 'captured-mutated';
  } else {
    try {
      bytes = target.valid(rng);
    } catch (error) {
      return { target, kind: 'random', bytes: randomBytes(rng), seedError: error };
    }
    if (rng.chance(0.08)) return { target, kind: 'valid', bytes, seedError: null };
  }
  let other = new Uint8Array(0);
  if (rng.chance(0.1)) {
    try {
      other = rng.pick(channel.targets).valid(rng);
    } catch {
      // a failing donor is reported when it is a target itself
    }
  }
  const rounds = rng.chance(0.6) ? 1 : rng.int(2, 6);
  for (let i = 0; i < rounds; i++) bytes = mutateOnce(bytes, rng, other);
  return { target, kind, bytes, seedError: null };
}
