/**
 * A third-party SPICE channel for spice-ts, built only on the public packages: a port channel
 * named `org.spice-ts.echo` that sends back whatever the client writes to it.
 */
export * from './echo-port.js';
