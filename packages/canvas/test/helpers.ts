import { ClipType, type Rect } from '@spice-ts/protocol';
import { type CanvasImage, type CanvasSurface, createCanvasImage, createCanvasSurface } from '../src/index.js';

export const NO_CLIP = { type: ClipType.None } as const;
export const rect = (left: number, top: number, right: number, bottom: number): Rect => ({ left, top, right, bottom });

/** RGB of a pixel (the X byte of xRGB surfaces is not significant). */
export const rgb = (s: CanvasSurface, x: number, y: number): number => s.words[y * s.width + x]! & 0xffffff;

/** All RGB values of a surface, row by row. */
export const rgbRows = (s: CanvasSurface): number[][] =>
  Array.from({ length: s.height }, (_, y) => Array.from({ length: s.width }, (_, x) => rgb(s, x, y)));

export function surfaceWith(width: number, height: number, values: number[], format?: number): CanvasSurface {
  const s = format === undefined ? createCanvasSurface(width, height) : createCanvasSurface(width, height, format);
  s.words.set(values.map((v) => v >>> 0));
  return s;
}

export const image = (width: number, height: number, values: number[], hasAlpha = false): CanvasImage =>
  createCanvasImage(width, height, Uint32Array.from(values.map((v) => v >>> 0)), hasAlpha);

/** A small deterministic PRNG (mulberry32) for property tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const randomWord = (r: () => number): number => Math.floor(r() * 4294967296) >>> 0;
