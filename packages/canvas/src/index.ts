/**
 * @spice-ts/canvas — software rendering of SPICE draw operations on 32-bit surfaces with clipping.
 * This version renders solid FILL and bitmap COPY with ROP put; the other operations, ROPs, masks
 * and brushes raise UnsupportedOperationError until they are written.
 */

export * from './draw.js';
export * from './errors.js';
export * from './rect.js';
export * from './surface.js';
