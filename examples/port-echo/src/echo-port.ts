import {
  type ChannelComponents,
  type ChannelFactory,
  RedChannel,
  type RedChannelClient,
  UnexpectedMessageError,
} from '@spice-ts/channel';
import {
  decodePortEvent,
  encodePortEvent,
  encodePortInit,
  PORT_CHANNEL_TYPE,
  PortEvent,
  PortMsg,
  PortMsgc,
} from './port-messages.js';

export interface EchoPortInit {
  /** The port name clients see (SpicePortChannel:port-name). Default `org.spice-ts.echo`. */
  name?: string;
  /** Channel id; default 0. */
  id?: number;
  /** Largest chunk a client may write in one message (bytes). Default 64 KiB. */
  maxChunk?: number;
}

export const DEFAULT_ECHO_PORT_NAME = 'org.spice-ts.echo';

/**
 * A SPICE port channel that echoes what the client writes. A channel plugin of the public SDK:
 * `echoPort(init)` returns a factory of the injected components.
 */
export function echoPort(init: EchoPortInit = {}): ChannelFactory {
  const name = init.name ?? DEFAULT_ECHO_PORT_NAME;
  return (components: ChannelComponents) => {
    const opened = new WeakSet<RedChannelClient>();
    return new RedChannel({
      type: PORT_CHANNEL_TYPE,
      id: init.id ?? 0,
      name: `port:${name}`,
      maxMessageSize: init.maxChunk ?? 64 * 1024,
      multiClient: true,
      logger: components.logger,
      ...(components.stats ? { stats: components.stats } : {}),
      handler: {
        connect(rcc) {
          rcc.send({ type: PortMsg.Init, body: encodePortInit(name, true) }, 'port-init');
        },
        handleMessage(rcc, message) {
          switch (message.type) {
            case PortMsgc.Event: {
              const event = decodePortEvent(message.body);
              if (event === PortEvent.Opened) opened.add(rcc);
              if (event === PortEvent.Closed) opened.delete(rcc);
              rcc.logger.debug({ event }, 'port event');
              return;
            }
            case PortMsgc.Data:
              // Echo: the body is only valid during this call, so it is copied.
              rcc.send({ type: PortMsg.Data, body: [message.body.slice()] }, 'port-data');
              return;
            default:
              throw new UnexpectedMessageError(rcc.channel.name, message.type);
          }
        },
      },
    });
  };
}

/** Announce to a client that the port closed (e.g. when the guest side goes away). */
export function portEventMessage(event: number) {
  return { type: PortMsg.Event, body: encodePortEvent(event) };
}
