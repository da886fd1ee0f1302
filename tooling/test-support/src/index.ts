/** Helpers shared by the packages' tests: real loopback sockets, PNG frames. */
export * from './certificate.js';
export * from './png.js';
export * from './socket-pair.js';
