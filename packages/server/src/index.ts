/**
 * @spice-ts/server — the SPICE server core ("reds"): the TCP listener, the link phase with a
 * fresh RSA key per link and OAEP ticket auth, sessions (RedClient per viewer), the main and
 * inputs channels, and `createSpiceServer()` for embedders.
 */

export * from './devices.js';
export * from './errors.js';
export * from './inputs-channel.js';
export * from './main-channel.js';
export * from './mm-time.js';
export * from './spice-server.js';
export * from './ticket.js';
