import { describeChannelCompliance } from '@spice-ts/channel-compliance';
import { inputsChannel, mainChannel } from '../src/index.js';

// First-party channels go through the same suite as third-party ones.
describeChannelCompliance(
  'inputs',
  inputsChannel({
    keyboard: { pushScancode: () => {}, leds: () => 0 },
    mouse: null,
    tablet: null,
    mouseMode: () => 1,
  }),
  {
    validMessages: [
      { type: 101, body: Uint8Array.of(0x1e, 0, 0, 0) }, // KEY_DOWN
      { type: 102, body: Uint8Array.of(0x9e, 0, 0, 0) }, // KEY_UP
      { type: 111, body: new Uint8Array(10) }, // MOUSE_MOTION
    ],
  },
);

describeChannelCompliance(
  'main',
  mainChannel(
    {
      listChannels: () => [{ type: 3, id: 0 }],
      supportedMouseModes: () => 1,
      currentMouseMode: () => 1,
      requestMouseMode: () => {},
      displayChannelsHint: () => 1,
      ramHint: () => 0,
      name: 'compliance',
      uuid: null,
    },
    { netTest: false },
  ),
  {
    validMessages: [
      { type: 104, body: new Uint8Array(0) }, // ATTACH_CHANNELS
      { type: 105, body: Uint8Array.of(1, 0, 0, 0) }, // MOUSE_MODE_REQUEST (server)
    ],
  },
);
