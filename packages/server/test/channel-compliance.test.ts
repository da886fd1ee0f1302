import { describeChannelCompliance } from '@spice-ts/channel-compliance';
import { InputsChannel } from '../src/index.js';

// First-party channels go through the same suite as third-party ones.
describeChannelCompliance(
  'inputs',
  (components) =>
    new InputsChannel(
      { keyboard: { pushScancode: () => {}, leds: () => 0 }, mouse: null, tablet: null, mouseMode: () => 1 },
      components,
    ).channel,
  {
    validMessages: [
      { type: 101, body: Uint8Array.of(0x1e, 0, 0, 0) }, // KEY_DOWN
      { type: 102, body: Uint8Array.of(0x9e, 0, 0, 0) }, // KEY_UP
      { type: 111, body: new Uint8Array(10) }, // MOUSE_MOTION
    ],
  },
);
