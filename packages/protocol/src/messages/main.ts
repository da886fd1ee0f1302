import { TooLargeError } from '../errors.js';
import { MainMsg, MainMsgc } from '../message-types.js';
import { Reader } from '../reader.js';
import { decodeCString, encodeUtf8 } from '../text.js';
import { emptyCodec, type MessageCodec, single } from './codec.js';

export interface MainInit {
  sessionId: number;
  displayChannelsHint: number;
  supportedMouseModes: number;
  currentMouseMode: number;
  agentConnected: number;
  agentTokens: number;
  multiMediaTime: number;
  ramHint: number;
}

export const mainInit: MessageCodec<MainInit> = {
  name: 'MAIN_INIT',
  type: MainMsg.Init,
  encode: (m) =>
    single(32, (w) =>
      w
        .u32(m.sessionId)
        .u32(m.displayChannelsHint)
        .u32(m.supportedMouseModes)
        .u32(m.currentMouseMode)
        .u32(m.agentConnected)
        .u32(m.agentTokens)
        .u32(m.multiMediaTime)
        .u32(m.ramHint),
    ),
  decode(body) {
    const r = new Reader(body);
    return {
      sessionId: r.u32(),
      displayChannelsHint: r.u32(),
      supportedMouseModes: r.u32(),
      currentMouseMode: r.u32(),
      agentConnected: r.u32(),
      agentTokens: r.u32(),
      multiMediaTime: r.u32(),
      ramHint: r.u32(),
    };
  },
};

export interface ChannelId {
  type: number;
  id: number;
}

/** Upper bound on listed channels (256 ids × 12 types is far above any real server). */
export const MAX_LISTED_CHANNELS = 4096;

export const channelsList: MessageCodec<{ channels: ChannelId[] }> = {
  name: 'MAIN_CHANNELS_LIST',
  type: MainMsg.ChannelsList,
  encode: (m) =>
    single(4 + 2 * m.channels.length, (w) => {
      w.u32(m.channels.length);
      for (const c of m.channels) w.u8(c.type).u8(c.id);
    }),
  decode(body) {
    const r = new Reader(body);
    const n = r.u32('channel count');
    if (n > MAX_LISTED_CHANNELS) throw new TooLargeError('channel count', n, MAX_LISTED_CHANNELS);
    r.need(2 * n, 'channel list');
    const channels: ChannelId[] = [];
    for (let i = 0; i < n; i++) channels.push({ type: r.u8(), id: r.u8() });
    return { channels };
  },
};

export interface MouseModeMessage {
  supportedModes: number;
  currentMode: number;
}

export const mouseMode: MessageCodec<MouseModeMessage> = {
  name: 'MAIN_MOUSE_MODE',
  type: MainMsg.MouseMode,
  encode: (m) => single(4, (w) => w.u16(m.supportedModes).u16(m.currentMode)),
  decode(body) {
    const r = new Reader(body);
    return { supportedModes: r.u16(), currentMode: r.u16() };
  },
};

export const multiMediaTime: MessageCodec<{ time: number }> = {
  name: 'MAIN_MULTI_MEDIA_TIME',
  type: MainMsg.MultiMediaTime,
  encode: (m) => single(4, (w) => w.u32(m.time)),
  decode: (body) => ({ time: new Reader(body).u32() }),
};

/** MAIN_NAME: u32 length (including the NUL) + bytes. */
export const mainName: MessageCodec<{ name: string }> = {
  name: 'MAIN_NAME',
  type: MainMsg.Name,
  encode(m) {
    const text = encodeUtf8(m.name);
    return single(4 + text.byteLength + 1, (w) =>
      w
        .u32(text.byteLength + 1)
        .bytes(text)
        .u8(0),
    );
  },
  decode(body) {
    const r = new Reader(body);
    const bytes = r.bytes(r.u32('name length'), 'name');
    return { name: decodeCString(bytes) };
  },
};

export const mainUuid: MessageCodec<{ uuid: Uint8Array }> = {
  name: 'MAIN_UUID',
  type: MainMsg.Uuid,
  encode: (m) => single(16, (w) => w.bytes(m.uuid.subarray(0, 16))),
  decode: (body) => ({ uuid: new Reader(body).bytes(16, 'uuid') }),
};

export const agentConnectedTokens: MessageCodec<{ numTokens: number }> = {
  name: 'MAIN_AGENT_CONNECTED_TOKENS',
  type: MainMsg.AgentConnectedTokens,
  encode: (m) => single(4, (w) => w.u32(m.numTokens)),
  decode: (body) => ({ numTokens: new Reader(body).u32() }),
};

export const agentDisconnected: MessageCodec<{ errorCode: number }> = {
  name: 'MAIN_AGENT_DISCONNECTED',
  type: MainMsg.AgentDisconnected,
  encode: (m) => single(4, (w) => w.u32(m.errorCode)),
  decode: (body) => ({ errorCode: new Reader(body).u32() }),
};

// client → server

export const attachChannels = emptyCodec('MAINC_ATTACH_CHANNELS', MainMsgc.AttachChannels);

export const mouseModeRequest: MessageCodec<{ mode: number }> = {
  name: 'MAINC_MOUSE_MODE_REQUEST',
  type: MainMsgc.MouseModeRequest,
  encode: (m) => single(2, (w) => w.u16(m.mode)),
  decode: (body) => ({ mode: new Reader(body).u16() }),
};

export const agentStart: MessageCodec<{ numTokens: number }> = {
  name: 'MAINC_AGENT_START',
  type: MainMsgc.AgentStart,
  encode: (m) => single(4, (w) => w.u32(m.numTokens)),
  decode: (body) => ({ numTokens: new Reader(body).u32() }),
};

export const agentToken: MessageCodec<{ numTokens: number }> = {
  name: 'MAINC_AGENT_TOKEN',
  type: MainMsgc.AgentToken,
  encode: (m) => single(4, (w) => w.u32(m.numTokens)),
  decode: (body) => ({ numTokens: new Reader(body).u32() }),
};

export const clientAgentData: MessageCodec<{ data: Uint8Array }> = {
  name: 'MAINC_AGENT_DATA',
  type: MainMsgc.AgentData,
  encode: (m) => [m.data],
  decode: (body) => ({ data: body }),
};
