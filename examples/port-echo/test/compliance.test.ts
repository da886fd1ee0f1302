import { describeChannelCompliance } from '@spice-ts/channel-compliance';
import { echoPort } from '../src/index.js';

describeChannelCompliance('echo port', echoPort(), {
  validMessages: [
    { type: 201, body: Uint8Array.of(0) }, // PORT_EVENT opened
    { type: 101, body: new TextEncoder().encode('hello') }, // SPICEVMC_DATA
  ],
});
