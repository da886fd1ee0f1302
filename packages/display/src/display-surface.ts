import { type CanvasSurface, createCanvasSurface } from '@spice-ts/canvas';

/** A surface the display keeps: its id, whether it is the primary, and its rendered pixels. */
export interface DisplaySurface {
  readonly id: number;
  readonly primary: boolean;
  readonly format: number;
  readonly canvas: CanvasSurface;
}

export function createDisplaySurface(
  id: number,
  width: number,
  height: number,
  format: number,
  primary: boolean,
): DisplaySurface {
  return { id, primary, format, canvas: createCanvasSurface(width, height, format) };
}
