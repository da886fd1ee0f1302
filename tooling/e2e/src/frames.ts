import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FrameMismatchError, FrameSizeError } from './errors.js';
import { artifactsDir } from './paths.js';
import { encodePng } from './png.js';
import { checkRgbFrame, encodePpm, type RgbFrame } from './ppm.js';

/**
 * A frame as the server holds it: 32-bit pixels stored B, G, R, X (SPICE_SURFACE_FMT_32_xRGB,
 * little-endian), rows `stride` bytes apart (default `width * 4`). The X byte is ignored.
 */
export interface BgrxFrame {
  readonly width: number;
  readonly height: number;
  readonly bgrx: Uint8Array;
  readonly stride?: number;
}

/** Either layout; the comparison reads both. */
export type Frame = RgbFrame | BgrxFrame;

export type Rgb = readonly [r: number, g: number, b: number];

export interface PixelDiff {
  readonly x: number;
  readonly y: number;
  readonly expected: Rgb;
  readonly actual: Rgb;
}

export interface FrameComparison {
  readonly width: number;
  readonly height: number;
  /** Pixels where some channel differs by more than the tolerance. */
  readonly differingPixels: number;
  /** The first differing pixel in row-major order, or null when the frames match. */
  readonly firstDiff: PixelDiff | null;
  /** The largest per-channel difference seen anywhere (0 for identical frames). */
  readonly maxDelta: number;
}

export interface CompareOptions {
  /** Largest per-channel difference that still counts as equal (lossy codecs); default 0. */
  readonly tolerance?: number;
}

export interface DiffImageOptions extends CompareOptions {
  /** File name without extension; default "frame". */
  readonly name?: string;
  /** Folder; default `<repo>/.test-results/e2e`. */
  readonly dir?: string;
  /** Default "png". */
  readonly format?: 'png' | 'ppm';
}

/** Compares two frames pixel by pixel (RGB from a client, BGRX from the server, or either). */
export function compareFrames(expected: Frame, actual: Frame, options: CompareOptions = {}): FrameComparison {
  const tolerance = options.tolerance ?? 0;
  const a = pixelReader(expected);
  const b = pixelReader(actual);
  if (expected.width !== actual.width || expected.height !== actual.height) {
    throw new FrameSizeError(expected, actual);
  }
  let differingPixels = 0;
  let maxDelta = 0;
  let firstDiff: PixelDiff | null = null;
  for (let y = 0; y < expected.height; y++) {
    for (let x = 0; x < expected.width; x++) {
      const ia = a.offset(x, y);
      const ib = b.offset(x, y);
      const dr = Math.abs(a.r(ia) - b.r(ib));
      const dg = Math.abs(a.g(ia) - b.g(ib));
      const db = Math.abs(a.b(ia) - b.b(ib));
      const d = Math.max(dr, dg, db);
      if (d > maxDelta) maxDelta = d;
      if (d > tolerance) {
        differingPixels++;
        if (!firstDiff) firstDiff = { x, y, expected: a.rgb(ia), actual: b.rgb(ib) };
      }
    }
  }
  return { width: expected.width, height: expected.height, differingPixels, firstDiff, maxDelta };
}

/** Converts a frame to packed RGB (a copy for BGRX, the frame itself for RGB). */
export function toRgbFrame(frame: Frame): RgbFrame {
  if ('rgb' in frame) {
    checkRgbFrame(frame);
    return frame;
  }
  const r = pixelReader(frame);
  const rgb = new Uint8Array(frame.width * frame.height * 3);
  let o = 0;
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const i = r.offset(x, y);
      rgb[o++] = r.r(i);
      rgb[o++] = r.g(i);
      rgb[o++] = r.b(i);
    }
  }
  return { width: frame.width, height: frame.height, rgb };
}

/**
 * Writes a picture for a person: expected | actual | difference (differing pixels red, equal
 * ones dimmed), side by side. Returns the file path.
 */
export function writeDiffImage(expected: Frame, actual: Frame, options: DiffImageOptions = {}): string {
  const tolerance = options.tolerance ?? 0;
  const a = toRgbFrame(expected);
  const b = toRgbFrame(actual);
  const width = a.width + b.width + Math.max(a.width, b.width);
  const height = Math.max(a.height, b.height);
  const out = new Uint8Array(width * height * 3).fill(0x40);
  const put = (frame: RgbFrame, left: number): void => {
    for (let y = 0; y < frame.height; y++) {
      out.set(frame.rgb.subarray(y * frame.width * 3, (y + 1) * frame.width * 3), (y * width + left) * 3);
    }
  };
  put(a, 0);
  put(b, a.width);
  const left = a.width + b.width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < Math.max(a.width, b.width); x++) {
      const o = (y * width + left + x) * 3;
      const inA = x < a.width && y < a.height;
      const inB = x < b.width && y < b.height;
      if (!inA || !inB) {
        out.set([255, 0, 255], o); // outside one of the frames: magenta
        continue;
      }
      const ia = (y * a.width + x) * 3;
      const ib = (y * b.width + x) * 3;
      let d = 0;
      for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs((a.rgb[ia + c] as number) - (b.rgb[ib + c] as number)));
      if (d > tolerance) out.set([255, 0, 0], o);
      else {
        const grey = ((a.rgb[ia] as number) + (a.rgb[ia + 1] as number) + (a.rgb[ia + 2] as number)) / 12;
        out.set([grey, grey, grey], o);
      }
    }
  }
  const format = options.format ?? 'png';
  const dir = options.dir ?? artifactsDir();
  const path = join(dir, `${sanitize(options.name ?? 'frame')}-diff.${format}`);
  const image = { width, height, rgb: out };
  writeFileSync(path, format === 'png' ? encodePng(image) : encodePpm(image));
  return path;
}

/**
 * Compares and, when the frames differ, writes the diff image and throws FrameMismatchError
 * naming the first differing pixel and the image path. Returns the comparison otherwise.
 */
export function assertFramesMatch(expected: Frame, actual: Frame, options: DiffImageOptions = {}): FrameComparison {
  const result = compareFrames(expected, actual, options);
  if (result.differingPixels === 0) return result;
  let diffImage: string | null = null;
  try {
    diffImage = writeDiffImage(expected, actual, options);
  } catch {
    diffImage = null; // the comparison result is what matters; the picture is a debugging aid
  }
  const first = result.firstDiff;
  const where = first
    ? ` first at (${first.x},${first.y}): expected rgb(${first.expected.join(',')}), got rgb(${first.actual.join(',')});`
    : '';
  throw new FrameMismatchError(
    `${result.differingPixels} of ${result.width * result.height} pixels differ (tolerance ${options.tolerance ?? 0}, max delta ${result.maxDelta});${where} diff image: ${diffImage ?? 'not written'}`,
    result.differingPixels,
    diffImage,
  );
}

interface PixelReader {
  offset(x: number, y: number): number;
  r(i: number): number;
  g(i: number): number;
  b(i: number): number;
  rgb(i: number): Rgb;
}

function pixelReader(frame: Frame): PixelReader {
  if ('rgb' in frame) {
    checkRgbFrame(frame);
    const { rgb, width } = frame;
    return {
      offset: (x, y) => (y * width + x) * 3,
      r: (i) => rgb[i] as number,
      g: (i) => rgb[i + 1] as number,
      b: (i) => rgb[i + 2] as number,
      rgb: (i) => [rgb[i] as number, rgb[i + 1] as number, rgb[i + 2] as number],
    };
  }
  const { bgrx, width, height } = frame;
  const stride = frame.stride ?? width * 4;
  if (width < 1 || height < 1 || stride < width * 4 || bgrx.length < stride * (height - 1) + width * 4) {
    throw new RangeError(
      `a ${width}x${height} BGRX frame with stride ${stride} needs ${stride * (height - 1) + width * 4} bytes, got ${bgrx.length}`,
    );
  }
  return {
    offset: (x, y) => y * stride + x * 4,
    r: (i) => bgrx[i + 2] as number,
    g: (i) => bgrx[i + 1] as number,
    b: (i) => bgrx[i] as number,
    rgb: (i) => [bgrx[i + 2] as number, bgrx[i + 1] as number, bgrx[i] as number],
  };
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) || 'frame';
}
