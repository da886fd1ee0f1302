/**
 * @spice-ts/server — the SPICE server core ("reds"): TCP, TLS and UNIX listeners with same-port
 * WebSocket and HTTP (health, Prometheus metrics, the spice-html5 web client), the link phase with a
 * fresh RSA key per link and OAEP ticket auth, sessions (RedClient per viewer), the main and
 * inputs channels, and `createSpiceServer()` for embedders.
 */

export * from './auth-rate-limiter.js';
export * from './devices.js';
export * from './errors.js';
export * from './http-request.js';
export * from './inputs-channel.js';
export * from './main-channel.js';
export * from './metrics.js';
export * from './mm-time.js';
export * from './sasl.js';
export * from './sasl-errors.js';
export * from './sasl-mechanism.js';
export * from './sasl-plain.js';
export * from './sasl-scram.js';
export * from './spice-server.js';
export * from './ticket.js';
export { DEFAULT_WEB_CLIENT_DIR } from './web-client-page.js';
export * from './websocket.js';
