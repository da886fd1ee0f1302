/**
 * @spice-ts/e2e — the end-to-end harness: real SPICE clients (spice-gtk's spicy-screenshot and
 * our scriptable SpiceClientGLib client) against the spice-ts binary started as a child process,
 * plus frame comparison with diff images. Private; used by this package's tests.
 */

export * from './browser.js';
export * from './errors.js';
export * from './frames.js';
export * from './free-port.js';
export * from './glib-client.js';
export * from './paths.js';
export * from './peers.js';
export * from './png.js';
export * from './ppm.js';
export * from './run.js';
export * from './server-process.js';
export { type ScreenshotOptions, takeScreenshot } from './spicy-screenshot.js';
