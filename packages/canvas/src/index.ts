/**
 * @spice-ts/canvas — software rendering of SPICE draw operations on 32-bit and A8 surfaces,
 * following spice-common's canvas as spice-gtk uses it: ROP descriptors, brushes, qmasks, ROP3,
 * colour-key, alpha blending, COPY_BITS, scaled copies, glyph text, thin-line strokes and Render
 * composites.
 */

export { type AlphaBlendOptions, AlphaFlags, drawAlphaBlend } from './alpha-blend.js';
export type { CanvasBrush } from './brush.js';
export * from './composite.js';
export { type CopyOptions, drawBlend, drawCopy, drawCopyBitmap, drawOpaque } from './copy.js';
export { copyBits } from './copy-bits.js';
export { startDash, wideDashPixels } from './dash.js';
export * from './errors.js';
export { drawBlackness, drawFill, drawInvers, drawSolidFill, drawWhiteness, type FillOptions } from './fill.js';
export * from './image.js';
export * from './image-context.js';
export * from './mask.js';
export * from './rect.js';
export * from './render.js';
export * from './resolve-image.js';
export * from './rop.js';
export * from './rop3.js';
export * from './scale.js';
export type { CanvasSource } from './source.js';
export * from './stroke.js';
export * from './surface.js';
export * from './text.js';
export * from './transparent.js';
