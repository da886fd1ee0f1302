/**
 * The QUIC model shared by encoder and decoder (spice-common quic.c): Golomb-Rice code families,
 * the bucket/counter adaptation, the wait-mask schedule and the MELCODE run-length state.
 */

/** QUIC image types as written in the header (spice-common `QuicImageType`, quic.h). */
export const QuicImageType = {
  Invalid: 0,
  Gray: 1,
  Rgb16: 2,
  Rgb24: 3,
  Rgb32: 4,
  Rgba: 5,
} as const;
export type QuicImageType = (typeof QuicImageType)[keyof typeof QuicImageType];

/** "QUIC" read as a little-endian word (quic.c QUIC_MAGIC). */
export const QUIC_MAGIC = 0x43495551;
/** Version 0.0 (quic.c QUIC_VERSION). */
export const QUIC_VERSION = 0;
/** Largest width × height upstream accepts (quic.c SPICE_MAX_IMAGE_SIZE, 512 Mi - 1 pixels). */
export const QUIC_MAX_PIXELS = 512 * 1024 * 1024 - 1;

/** Model evolution 3: buckets of 1, 2, 4, 8 … contexts (quic.c DEFevol). */
const EVOL_FIRST_SIZE = 1;
const EVOL_REP_FIRST = 1;
const EVOL_REP_NEXT = 1;
const EVOL_MUL_SIZE = 2;
/** Codeword length limit (quic.c DEFmaxclen). */
const MAX_CODE_LEN = 26;
/** Target wait-mask index and symbols per step towards it (quic.c DEFwmimax, DEFwminext). */
export const WMI_MAX = 6;
export const WMI_NEXT = 2048;
/** Counters per bucket, one per code of the family (quic.c MAXNUMCODES). */
const CODES = 8;
/** Counter-halving thresholds by wait-mask index for evolution 3 (quic.c besttrigtab[1]). */
const BEST_TRIGGER = [110, 550, 900, 800, 550, 400, 350, 250, 140, 160, 140];
/** MELCODE run-length states (quic.c J, MELCSTATES). */
const MELC_J = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const MELC_STATES = MELC_J.length;

/** Pseudo-random wait counts (quic.c tabrand_chaos). */
const TABRAND_CHAOS = Uint32Array.of(
  0x02c57542,
  0x35427717,
  0x2f5a2153,
  0x9244f155,
  0x7bd26d07,
  0x354c6052,
  0x57329b28,
  0x2993868e,
  0x6cd8808c,
  0x147b46e0,
  0x99db66af,
  0xe32b4cac,
  0x1b671264,
  0x9d433486,
  0x62a4c192,
  0x06089a4b,
  0x9e3dce44,
  0xdaabee13,
  0x222425ea,
  0xa46f331d,
  0xcd589250,
  0x8bb81d7f,
  0xc8b736b9,
  0x35948d33,
  0xd7ac7fd0,
  0x5fbe2803,
  0x2cfbc105,
  0x013dbc4e,
  0x7a37820f,
  0x39f88e9e,
  0xedd58794,
  0xc5076689,
  0xfcada5a4,
  0x64c2f46d,
  0xb3ba3243,
  0x8974b4f9,
  0x5a05aebd,
  0x20afcd00,
  0x39e2b008,
  0x88a18a45,
  0x600bde29,
  0xf3971ace,
  0xf37b0a6b,
  0x7041495b,
  0x70b707ab,
  0x06beffbb,
  0x4206051f,
  0xe13c4ee3,
  0xc1a78327,
  0x91aa067c,
  0x8295f72a,
  0x732917a6,
  0x1d871b4d,
  0x4048f136,
  0xf1840e7e,
  0x6a6048c1,
  0x696cb71a,
  0x7ff501c3,
  0x0fc6310b,
  0x57e0f83d,
  0x8cc26e74,
  0x11a525a2,
  0x946934c7,
  0x7cd888f0,
  0x8f9d8604,
  0x4f86e73b,
  0x04520316,
  0xdeeea20c,
  0xf1def496,
  0x67687288,
  0xf540c5b2,
  0x22401484,
  0x3478658a,
  0xc2385746,
  0x01979c2c,
  0x5dad73c8,
  0x0321f58b,
  0xf0fedbee,
  0x92826ddf,
  0x284bec73,
  0x5b1a1975,
  0x03df1e11,
  0x20963e01,
  0xa17cf12b,
  0x740d776e,
  0xa7a6bf3c,
  0x01b5cce4,
  0x1118aa76,
  0xfc6fac0a,
  0xce927e9b,
  0x00bf2567,
  0x806f216c,
  0xbca69056,
  0x795bd3e9,
  0xc9dc4557,
  0x8929b6c2,
  0x789d52ec,
  0x3f3fbf40,
  0xb9197368,
  0xa38c15b5,
  0xc3b44fa8,
  0xca8333b0,
  0xb7e8d590,
  0xbe807feb,
  0xbf5f8360,
  0xd99e2f5c,
  0x372928e1,
  0x7c757c4c,
  0x0db5b154,
  0xc01ede02,
  0x1fc86e78,
  0x1f3985be,
  0xb4805c77,
  0x00c880fa,
  0x974c1b12,
  0x35ab0214,
  0xb2dc840d,
  0x5b00ae37,
  0xd313b026,
  0xb260969d,
  0x7f4c8879,
  0x1734c4d3,
  0x49068631,
  0xb9f6a021,
  0x6b863e6f,
  0xcee5debf,
  0x29f8c9fb,
  0x53dd6880,
  0x72b61223,
  0x1f67a9fd,
  0x0a0f6993,
  0x13e59119,
  0x11cca12e,
  0xfe6b6766,
  0x16b6effc,
  0x97918fc4,
  0xc2b8a563,
  0x94f2f741,
  0x0bfa8c9a,
  0xd1537ae8,
  0xc1da349c,
  0x873c60ca,
  0x95005b85,
  0x9b5c080e,
  0xbc8abbd9,
  0xe1eab1d2,
  0x6dac9070,
  0x4ea9ebf1,
  0xe0cf30d4,
  0x1ef5bd7b,
  0xd161043e,
  0x5d2fa2e2,
  0xff5d3cae,
  0x86ed9f87,
  0x2aa1daa1,
  0xbd731a34,
  0x9e8f4b22,
  0xb1c2c67a,
  0xc21758c9,
  0xa182215d,
  0xccb01948,
  0x8d168df7,
  0x04238cfe,
  0x368c3dbc,
  0x0aeadca5,
  0xbad21c24,
  0x0a71fee5,
  0x9fc5d872,
  0x54c152c6,
  0xfc329483,
  0x6783384a,
  0xeddb3e1c,
  0x65f90e30,
  0x884ad098,
  0xce81675a,
  0x4b372f7d,
  0x68bf9a39,
  0x43445f1e,
  0x40f8d8cb,
  0x90d5acb6,
  0x4cd07282,
  0x349eeb06,
  0x0c9d5332,
  0x520b24ef,
  0x80020447,
  0x67976491,
  0x2f931ca3,
  0xfe9b0535,
  0xfcd30220,
  0x61a9e6cc,
  0xa487d8d7,
  0x3f7c5dd1,
  0x7d0127c5,
  0x48f51d15,
  0x60dea871,
  0xc9a91cb7,
  0x58b53bb3,
  0x9d5e0b2d,
  0x624a78b4,
  0x30dbee1b,
  0x9bdf22e7,
  0x1df5c299,
  0x2d5643a7,
  0xf4dd35ff,
  0x03ca8fd6,
  0x53b47ed8,
  0x6f2c19aa,
  0xfeb0c1f4,
  0x49e54438,
  0x2f2577e6,
  0xbf876969,
  0x72440ea9,
  0xfa0bafb8,
  0x74f5b3a0,
  0x7dd357cd,
  0x89ce1358,
  0x6ef2cdda,
  0x1e7767f3,
  0xa6be9fdb,
  0x4f5f88f8,
  0xba994a3a,
  0x08ca6b65,
  0xe0893818,
  0x9e00a16a,
  0xf42bfc8f,
  0x9972eedc,
  0x749c8b51,
  0x32c05f5e,
  0xd706805f,
  0x6bfbb7cf,
  0xd9210a10,
  0x31a1db97,
  0x923a9559,
  0x37a7a1f6,
  0x059f8861,
  0xca493e62,
  0x65157e81,
  0x8f6467dd,
  0xab85ff9f,
  0x9331aff2,
  0x8616b9f5,
  0xedbd5695,
  0xee7e29b1,
  0x313ac44f,
  0xb903112f,
  0x432ef649,
  0xdc0a36c0,
  0x61cf2bba,
  0x81474925,
  0xa8b6c7ad,
  0xee5931de,
  0xb2f8158d,
  0x59fb7409,
  0x2e3dfaed,
  0x9af25a3f,
  0xe1fed4d5,
);

/** `BPP_MASK[i]` has the i low bits set. */
export const BPP_MASK = Uint32Array.from({ length: 33 }, (_, i) => (i === 32 ? 0xffffffff : (1 << i) - 1) >>> 0);

/** The Golomb-Rice code family for 8 or 5 bits a component. */
export interface QuicFamily {
  bpc: number;
  levels: number;
  nGrCodewords: Uint32Array;
  notGrCodeLen: Uint32Array;
  notGrPrefixMask: Uint32Array;
  notGrSuffixLen: Uint32Array;
  /** Code and length of value b with code l at [b * 8 + l]. */
  code: Uint32Array;
  codeLen: Uint8Array;
  /** Signed difference (mod 2^bpc) to an unsigned code value and back. */
  xlatU2L: Uint8Array;
  xlatL2U: Uint8Array;
  /** Bucket index of each context value. */
  bucketOf: Uint8Array;
  buckets: number;
}

function ceilLog2(value: number): number {
  if (value === 1) return 0;
  let result = 1;
  for (let v = (value - 1) >> 1; v; v >>= 1) result++;
  return result;
}

function createFamily(bpc: number): QuicFamily {
  const levels = 1 << bpc;
  const f: QuicFamily = {
    bpc,
    levels,
    nGrCodewords: new Uint32Array(CODES),
    notGrCodeLen: new Uint32Array(CODES),
    notGrPrefixMask: new Uint32Array(CODES),
    notGrSuffixLen: new Uint32Array(CODES),
    code: new Uint32Array(256 * CODES),
    codeLen: new Uint8Array(256 * CODES),
    xlatU2L: new Uint8Array(256),
    xlatL2U: new Uint8Array(256),
    bucketOf: new Uint8Array(levels),
    buckets: 0,
  };
  for (let l = 0; l < bpc; l++) {
    let altPrefixLen = MAX_CODE_LEN - bpc;
    if (altPrefixLen > BPP_MASK[bpc - l]!) altPrefixLen = BPP_MASK[bpc - l]!;
    const altCodewords = BPP_MASK[bpc]! + 1 - (altPrefixLen << l);
    f.nGrCodewords[l] = altPrefixLen << l;
    f.notGrSuffixLen[l] = ceilLog2(altCodewords);
    f.notGrCodeLen[l] = altPrefixLen + f.notGrSuffixLen[l]!;
    f.notGrPrefixMask[l] = BPP_MASK[32 - altPrefixLen]!;
    for (let b = 0; b < 256; b++) {
      if (b < f.nGrCodewords[l]!) {
        f.code[b * CODES + l] = ((1 << l) | (b & BPP_MASK[l]!)) >>> 0;
        f.codeLen[b * CODES + l] = (b >> l) + l + 1;
      } else {
        f.code[b * CODES + l] = b - f.nGrCodewords[l]!;
        f.codeLen[b * CODES + l] = f.notGrCodeLen[l]!;
      }
    }
  }
  const mask = BPP_MASK[bpc]!;
  for (let s = 0; s <= mask; s++) {
    f.xlatU2L[s] = s <= mask >>> 1 ? s << 1 : ((mask - s) << 1) + 1;
    f.xlatL2U[s] = s & 1 ? mask - (s >> 1) : s >> 1;
  }
  // Buckets: 1, 2, 4, … contexts; the last one takes the rest when the next would not fit.
  let bucket = 0;
  let end = 0;
  let repeat = EVOL_REP_FIRST + 1;
  let size = EVOL_FIRST_SIZE;
  do {
    const start = bucket ? end + 1 : 0;
    if (!--repeat) {
      repeat = EVOL_REP_NEXT;
      size *= EVOL_MUL_SIZE;
    }
    end = start + size - 1;
    if (end + size >= levels) end = levels - 1;
    for (let i = start; i <= end; i++) f.bucketOf[i] = bucket;
    bucket++;
  } while (end < levels - 1);
  f.buckets = bucket;
  return f;
}

export const FAMILY_8BPC = createFamily(8);
export const FAMILY_5BPC = createFamily(5);

/** Adaptation state shared by the components coded together (quic.c CommonState). */
export interface QuicState {
  waitcnt: number;
  tabrandSeed: number;
  wmTrigger: number;
  wmidx: number;
  wmileft: number;
  melcState: number;
  melcLen: number;
  melcOrder: number;
}

export function createState(): QuicState {
  return {
    waitcnt: 0,
    tabrandSeed: 0xff,
    wmTrigger: BEST_TRIGGER[0]!,
    wmidx: 0,
    wmileft: WMI_NEXT,
    melcState: 0,
    melcLen: MELC_J[0]!,
    melcOrder: 1 << MELC_J[0]!,
  };
}

export function tabrand(state: QuicState): number {
  state.tabrandSeed = (state.tabrandSeed + 1) >>> 0;
  return TABRAND_CHAOS[state.tabrandSeed & 0xff]!;
}

export function setWmTrigger(state: QuicState): void {
  state.wmTrigger = BEST_TRIGGER[Math.min(state.wmidx, 10)]!;
}

export function melcUp(state: QuicState): void {
  if (state.melcState < MELC_STATES - 1) {
    state.melcLen = MELC_J[++state.melcState]!;
    state.melcOrder = 2 ** state.melcLen;
  }
}

export function melcDown(state: QuicState): void {
  if (state.melcState) {
    state.melcLen = MELC_J[--state.melcState]!;
    state.melcOrder = 2 ** state.melcLen;
  }
}

/** One component's model: the bucket counters, best codes and the row of coded values. */
export interface QuicChannel {
  counters: Uint32Array;
  best: Uint8Array;
  /** Coded values of the current row at [i + 1]; [0] is the context before the first pixel. */
  correlate: Uint8Array;
}

export function createChannel(family: QuicFamily, width: number): QuicChannel {
  return {
    counters: new Uint32Array(family.buckets * CODES),
    best: new Uint8Array(family.buckets).fill(family.bpc - 1),
    correlate: new Uint8Array(width + 1),
  };
}

/** Adds the cost of `value` under each code to the bucket of `context` and picks the cheapest. */
export function updateModel(
  family: QuicFamily,
  state: QuicState,
  ch: QuicChannel,
  context: number,
  value: number,
): void {
  const bucket = family.bucketOf[context & (family.levels - 1)]!;
  const base = bucket * CODES;
  const counters = ch.counters;
  const lens = family.codeLen;
  const bpp = family.bpc;
  let bestCode = bpp - 1;
  counters[base + bestCode] = counters[base + bestCode]! + lens[value * CODES + bestCode]!;
  let bestLen = counters[base + bestCode]!;
  for (let i = bpp - 2; i >= 0; i--) {
    counters[base + i] = counters[base + i]! + lens[value * CODES + i]!;
    const len = counters[base + i]!;
    if (len < bestLen) {
      bestCode = i;
      bestLen = len;
    }
  }
  ch.best[bucket] = bestCode;
  if (bestLen > state.wmTrigger) for (let i = 0; i < bpp; i++) counters[base + i] = counters[base + i]! >>> 1;
}

export function bestCode(family: QuicFamily, ch: QuicChannel, context: number): number {
  return ch.best[family.bucketOf[context & (family.levels - 1)]!]!;
}
