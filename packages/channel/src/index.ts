/**
 * @spice-ts/channel — the channel framework: RedChannel (a channel type+id and its clients),
 * RedChannelClient (one connection: parser, pipe, ACK window, latency), RedClient (all
 * connections of one viewer). First-party and third-party channels are built the same way:
 * a ChannelHandler given to a RedChannel.
 */
export * from './errors.js';
export * from './logger.js';
export * from './message-assembler.js';
export * from './migrate.js';
export * from './pipe-item.js';
export * from './red-channel.js';
export * from './red-channel-client.js';
export * from './red-client.js';
export * from './sdk.js';
