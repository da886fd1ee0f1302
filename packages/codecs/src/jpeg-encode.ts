import sharp from 'sharp';
import type { XrgbPixels } from './bitmap.js';
import { BadImageError, CodecError, CodecErrorCode } from './errors.js';

/** JPEG quality spice server uses (dcc.cpp sets `jpeg_quality = 85`). */
export const JPEG_DEFAULT_QUALITY = 85;

export interface JpegEncodeOptions {
  /** libjpeg quality 1..100; default JPEG_DEFAULT_QUALITY (85). */
  quality?: number;
}

/**
 * Checks width, height, stride and data length of 32-bit pixels and returns the packed R,G,B
 * samples of the image (what spice server feeds libjpeg after its BGRX32 → RGB24 line conversion).
 */
function packedRgb(pixels: XrgbPixels): Uint8Array {
  const { width, height, stride, data } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new BadImageError(`empty image ${width}x${height}`);
  // libjpeg's JPEG_MAX_DIMENSION is 65500; the SOF fields are 16-bit.
  if (width > 65500 || height > 65500) throw new BadImageError(`image ${width}x${height} too large for JPEG`);
  if (stride < width * 4) throw new BadImageError(`stride ${stride} < ${width * 4} for width ${width}`);
  if (data.byteLength < stride * (height - 1) + width * 4)
    throw new BadImageError(`${data.byteLength} bytes too few for ${width}x${height} with stride ${stride}`);
  const rgb = new Uint8Array(width * height * 3);
  let o = 0;
  if ((data.byteOffset & 3) === 0 && (stride & 3) === 0) {
    // Whole little-endian words: 0xXXRRGGBB.
    const words = new Uint32Array(data.buffer, data.byteOffset, (stride * (height - 1)) / 4 + width);
    for (let y = 0; y < height; y++) {
      let i = (y * stride) >> 2;
      for (let x = 0; x < width; x++, i++, o += 3) {
        const w = words[i]!;
        rgb[o] = w >>> 16;
        rgb[o + 1] = w >>> 8;
        rgb[o + 2] = w;
      }
    }
    return rgb;
  }
  for (let y = 0; y < height; y++) {
    let i = y * stride;
    for (let x = 0; x < width; x++, i += 4, o += 3) {
      rgb[o] = data[i + 2]!;
      rgb[o + 1] = data[i + 1]!;
      rgb[o + 2] = data[i]!;
    }
  }
  return rgb;
}

/**
 * Compresses 32-bit B,G,R,X pixels (rows top-down) to a baseline JPEG (JFIF, YCbCr, 4:2:0 chroma
 * subsampling, the standard Huffman tables, quality-scaled standard quantisation tables) through
 * sharp. These are libjpeg's `jpeg_set_defaults` + `jpeg_set_quality(quality, TRUE)`, the settings
 * spice server's jpeg-encoder.c uses; sharp's own extras (optimised Huffman coding, trellis
 * quantisation, progressive scans) are switched off so the stream is what a libjpeg client expects.
 * The result is the `data` of a JPEG image (and the first part of a JPEG_ALPHA one).
 */
export async function encodeJpeg(pixels: XrgbPixels, options: JpegEncodeOptions = {}): Promise<Uint8Array> {
  const quality = options.quality ?? JPEG_DEFAULT_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100)
    throw new BadImageError(`JPEG quality ${quality} is not an integer in 1..100`);
  const rgb = packedRgb(pixels);
  try {
    const out = await sharp(rgb, {
      raw: { width: pixels.width, height: pixels.height, channels: 3 },
      limitInputPixels: false,
    })
      .jpeg({
        quality,
        chromaSubsampling: '4:2:0',
        progressive: false,
        optimiseCoding: false,
        trellisQuantisation: false,
        overshootDeringing: false,
        optimiseScans: false,
        quantisationTable: 0,
        mozjpeg: false,
      })
      .toBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    throw new CodecError(CodecErrorCode.BadImage, `JPEG encoding failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
