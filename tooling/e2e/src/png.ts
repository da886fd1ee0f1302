// PNG reading and writing live in the shared test support (the canvas's tests read the reference
// frames with them too).
export { crc32, encodePng, readPng } from '@spice-ts/test-support';
