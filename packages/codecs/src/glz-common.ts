/**
 * GLZ header: magic, version (u32 each), a type byte (LZ image type in the low 4 bits, top_down in
 * bit 4), width, height, stride (u32), the 64-bit image id and win_head_image_dist (u32), all
 * big-endian (spice server glz-encoder.c glz_encode).
 */
export const GLZ_HEADER_SIZE = 33;
/** Bit 4 of the header type byte says the rows are top-down (lz_common.h LZ_IMAGE_TYPE_LOG). */
export const GLZ_TOP_DOWN_BIT = 1 << 4;
/** Low bits of the header type byte (lz_common.h LZ_IMAGE_TYPE_MASK). */
export const GLZ_TYPE_MASK = 0x0f;
/** Largest dictionary window in pixels (lz_common.h LZ_MAX_WINDOW_SIZE). */
export const GLZ_MAX_WINDOW_SIZE = 1 << 25;

/** Entries of the dictionary's match-finder hash (glz-encoder-priv.h HASH_SIZE_LOG 20). */
export const GLZ_HASH_SIZE = 1 << 20;
export const GLZ_HASH_MASK = GLZ_HASH_SIZE - 1;
/** Seed of the DJB2 hash over three pixels (glz-encode.tmpl.c DJB2_START). */
export const GLZ_HASH_START = 5381;
/** Literal runs hold at most 32 pixels (lz_common.h MAX_COPY). */
export const GLZ_MAX_COPY = 32;

/** Pixel distances below this take 12 bits (glz-encoder.c MAX_PIXEL_SHORT_DISTANCE). */
export const GLZ_MAX_PIXEL_SHORT_DISTANCE = 1 << 12;
/** Pixel distances below this take 17 bits (glz-encoder.c MAX_PIXEL_MEDIUM_DISTANCE). */
export const GLZ_MAX_PIXEL_MEDIUM_DISTANCE = 1 << 17;
/** No match is encoded at this pixel distance or beyond (glz-encoder.c MAX_PIXEL_LONG_DISTANCE). */
export const GLZ_MAX_PIXEL_LONG_DISTANCE = 1 << 25;
/** Largest distance in images to a referenced image (glz-encoder.c MAX_IMAGE_DIST). */
export const GLZ_MAX_IMAGE_DIST = (1 << 24) - 1;

/** Image-distance levels with a short pixel distance (glz-encode-match.tmpl.c). */
export const GLZ_SHORT_IMAGE_DIST_1 = 1 << 6;
export const GLZ_SHORT_IMAGE_DIST_2 = 1 << 14;
export const GLZ_SHORT_IMAGE_DIST_3 = 1 << 22;
/** Image-distance levels with a medium or long pixel distance (glz-encode-match.tmpl.c). */
export const GLZ_FAR_IMAGE_DIST_1 = 1 << 8;
export const GLZ_FAR_IMAGE_DIST_2 = 1 << 16;
