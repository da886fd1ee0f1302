/**
 * Random SPICE display scenes for end-to-end agreement tests: a seeded generator of draw
 * messages, their rendering with @spice-ts/canvas, and a display channel that sends them to a
 * real client.
 */

export * from './client-frame.js';
export * from './generate.js';
export * from './images.js';
export * from './random.js';
export * from './scene.js';
export * from './scene-display-channel.js';
export * from './wire.js';
