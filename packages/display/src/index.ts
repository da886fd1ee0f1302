/**
 * @spice-ts/display — the display and cursor channels of one QXL device: the display worker that
 * pulls guest commands under back-pressure, renders every surface, and sends each ready client
 * its surfaces, draw operations and cursor.
 */

export * from './cursor-state.js';
export * from './display-surface.js';
export * from './display-worker.js';
export * from './draw-messages.js';
export * from './encode-times.js';
export * from './errors.js';
export * from './graduality.js';
export * from './limits.js';
