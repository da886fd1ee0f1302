import type { LoopStats } from '@spice-ts/loop';
import type { Logger } from './logger.js';
import type { RedChannel } from './red-channel.js';

/**
 * What a server injects into every channel it creates. A channel takes its logger and loop
 * statistics from here instead of creating its own.
 */
export interface ChannelComponents {
  logger: Logger;
  stats?: LoopStats;
}

/**
 * A channel plugin, as a lower-case factory returns it: `portChannel(init)` gives a function of
 * the injected components that builds the RedChannel. Servers accept these
 * (`createSpiceServer({ channels: [echoPort()] })`, `server.addChannel(echoPort())`), and
 * third-party channels are written exactly like the first-party ones.
 */
export type ChannelFactory<C extends RedChannel = RedChannel> = (components: ChannelComponents) => C;
