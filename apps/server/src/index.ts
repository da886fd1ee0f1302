/**
 * The spice-ts application as a library (for tests and tools): configuration parsing, the stack
 * with the built-in demo guest, and the logger.
 */

export * from './app.js';
export * from './config.js';
export * from './demo/demo-guest.js';
export * from './demo/index.js';
export * from './logger.js';
