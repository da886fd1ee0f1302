/** LZ image types as written in the LZ header (spice-common `LzImageType`, lz_common.h). */
export const LzImageType = {
  Invalid: 0,
  Plt1Le: 1,
  Plt1Be: 2,
  Plt4Le: 3,
  Plt4Be: 4,
  Plt8: 5,
  Rgb16: 6,
  Rgb24: 7,
  Rgb32: 8,
  Rgba: 9,
  Xxxa: 10,
  A8: 11,
} as const;
export type LzImageType = (typeof LzImageType)[keyof typeof LzImageType];

/** "LZ  " read as a big-endian word (lz_common.h LZ_MAGIC). */
export const LZ_MAGIC = 0x20205a4c;
/** Version 1.1 as major << 16 | minor (lz_common.h LZ_VERSION). */
export const LZ_VERSION = 0x00010001;
/** Seven big-endian u32 words: magic, version, type, width, height, stride, top_down. */
export const LZ_HEADER_SIZE = 28;
/** Largest stride × height upstream accepts (lz.c SPICE_MAX_IMAGE_SIZE, 1 GiB - 1). */
export const LZ_MAX_IMAGE_SIZE = 1024 * 1024 * 1024 - 1;

/** Literal runs hold at most 32 pixels; a control byte below 32 is a literal count - 1 (lz.c MAX_COPY). */
export const LZ_MAX_COPY = 32;
/** Distances below this are coded in 13 bits (lz.c MAX_DISTANCE). */
export const LZ_MAX_DISTANCE = 8191;
/** Matches are searched no further back than this (lz.c MAX_FARDISTANCE). */
export const LZ_MAX_FAR_DISTANCE = 65535 + LZ_MAX_DISTANCE - 1;
/** Size of the match-finder hash table (lz.c HASH_LOG 13). */
export const LZ_HASH_SIZE = 1 << 13;
export const LZ_HASH_MASK = LZ_HASH_SIZE - 1;
/** Seed of the DJB2 hash over three pixels (lz_compress_tmpl.c DJB2_START). */
export const LZ_HASH_START = 5381;

/** Bytes a pixel takes in the LZ stride for the RGB types (lz_common.h RGB_BYTES_PER_PIXEL). */
export const LZ_BYTES_PER_PIXEL: Readonly<Record<number, number>> = {
  [LzImageType.Rgb16]: 2,
  [LzImageType.Rgb24]: 3,
  [LzImageType.Rgb32]: 4,
  [LzImageType.Rgba]: 4,
  [LzImageType.Xxxa]: 4,
  [LzImageType.A8]: 1,
};

/** Palette indexes packed in one byte for the PLT types (lz_common.h PLT_PIXELS_PER_BYTE). */
export const LZ_PLT_PIXELS_PER_BYTE: Readonly<Record<number, number>> = {
  [LzImageType.Plt1Le]: 8,
  [LzImageType.Plt1Be]: 8,
  [LzImageType.Plt4Le]: 2,
  [LzImageType.Plt4Be]: 2,
  [LzImageType.Plt8]: 1,
};

export function isLzPaletteType(type: number): boolean {
  return type >= LzImageType.Plt1Le && type <= LzImageType.Plt8;
}
