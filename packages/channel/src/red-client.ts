import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { RedChannelClient } from './red-channel-client.js';

/** Channel type number of the main channel (SPICE_CHANNEL_MAIN). */
const MAIN_CHANNEL_TYPE = 1;

/**
 * All channel connections of one viewer (one session id). It owns them: when the main channel's
 * connection goes, every other connection of the viewer goes too.
 */
export class RedClient {
  readonly id: number;
  readonly logger: Logger;
  private readonly members = new Set<RedChannelClient>();
  private destroyed = false;
  private readonly destroyListeners = new Set<(reason: string) => void>();
  main: RedChannelClient | null = null;

  constructor(id: number, logger: Logger = silentLogger) {
    this.id = id;
    this.logger = logger.child({ session: id });
  }

  get channelClients(): ReadonlySet<RedChannelClient> {
    return this.members;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Called by RedChannel.connectClient. */
  add(rcc: RedChannelClient): void {
    if (this.destroyed) {
      rcc.disconnect('session is closed');
      return;
    }
    this.members.add(rcc);
    if (rcc.channel.type === MAIN_CHANNEL_TYPE) this.main = rcc;
    rcc.onDisconnect((reason) => {
      this.members.delete(rcc);
      if (rcc === this.main) this.destroy(`main channel closed: ${reason}`);
    });
  }

  /** Disconnects every channel of the viewer. Idempotent. */
  destroy(reason: string): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const rcc of [...this.members]) rcc.disconnect(reason);
    for (const listener of this.destroyListeners) listener(reason);
    this.destroyListeners.clear();
  }

  onDestroy(listener: (reason: string) => void): void {
    if (this.destroyed) listener('already destroyed');
    else this.destroyListeners.add(listener);
  }
}
