/** Helpers shared by the packages' tests: real loopback sockets, never mocks. */
export * from './socket-pair.js';
