import {
  type ChannelComponents,
  type ChannelFactory,
  type OutgoingMessage,
  RedChannel,
  UnexpectedMessageError,
} from '@spice-ts/channel';
import { ChannelType, PortMsg, PortMsgc, port, SpicevmcMsgc, spicevmc } from '@spice-ts/protocol';

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
 * `echoPort(init)` returns a factory of the injected components; the messages come from the
 * protocol package's codecs.
 */
export function echoPort(init: EchoPortInit = {}): ChannelFactory {
  const name = init.name ?? DEFAULT_ECHO_PORT_NAME;
  // PORT_INIT carries the name NUL-terminated, its size counting the NUL.
  const initMessage: OutgoingMessage = {
    type: PortMsg.Init,
    body: port.init.encode({ name: new TextEncoder().encode(`${name}\0`), opened: 1 }),
  };
  return (components: ChannelComponents) =>
    new RedChannel({
      type: ChannelType.Port,
      id: init.id ?? 0,
      name: `port:${name}`,
      maxMessageSize: init.maxChunk ?? 64 * 1024,
      multiClient: true,
      logger: components.logger,
      ...(components.stats ? { stats: components.stats } : {}),
      handler: {
        connect(rcc) {
          rcc.send(initMessage, 'port-init');
        },
        handleMessage(rcc, message) {
          switch (message.type) {
            case PortMsgc.Event:
              rcc.logger.debug({ event: port.clientEvent.decode(message.body).event }, 'port event');
              return;
            case SpicevmcMsgc.Data:
              // Echo: the body is only valid during this call, so it is copied.
              rcc.send(
                { type: spicevmc.data.type, body: spicevmc.data.encode({ data: message.body.slice() }) },
                'port-data',
              );
              return;
            default:
              throw new UnexpectedMessageError(rcc.channel.name, message.type);
          }
        },
      },
    });
}

/** A PORT_EVENT for a client (e.g. PortEvent.Closed when the guest side goes away). */
export function portEventMessage(event: number): OutgoingMessage {
  return { type: port.event.type, body: port.event.encode({ event }) };
}
