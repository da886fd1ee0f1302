import { RedChannel, UnexpectedMessageError } from '@spice-ts/channel';
import { describeChannelCompliance } from '../src/index.js';

// The suite run against the smallest correct channel: it accepts type 101 and nothing else.
describeChannelCompliance(
  'minimal channel',
  (components) =>
    new RedChannel({
      type: 10,
      id: 0,
      logger: components.logger,
      handler: {
        handleMessage: (rcc, message) => {
          if (message.type !== 101) throw new UnexpectedMessageError(rcc.channel.name, message.type);
        },
      },
    }),
  { validMessages: [{ type: 101, body: new Uint8Array(3) }] },
);
