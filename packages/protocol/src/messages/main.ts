import { MainMsg } from '../message-types.js';
import { Reader } from '../reader.js';
import { decodeCString, encodeUtf8 } from '../text.js';
import { type MessageCodec, single } from './codec.js';

export interface ChannelId {
  type: number;
  id: number;
}

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

// Generated from the schema (src/schema/channels.ts): the main messages not written by hand above.
export type {
  AgentConnectedMessage,
  AgentDataMessage,
  ClientInfoMessage,
  ClientMigrateEndMessage,
  MainInitMessage as MainInit,
  MigrateBeginMessage,
  MigrateBeginSeamlessMessage,
  MigrateCancelMessage,
  MigrateConnectErrorMessage,
  MigrateConnectedMessage,
  MigrateConnectedSeamlessMessage,
  MigrateDstDoSeamlessMessage,
  MigrateDstSeamlessAckMessage,
  MigrateDstSeamlessNackMessage,
  MigrateEndMessage,
  MigrateSwitchHostMessage,
  MouseModeMessage,
  QualityIndicatorMessage,
  ServerAgentTokenMessage,
} from '../generated/main.js';
export {
  agentConnected,
  agentConnectedTokens,
  agentData,
  agentDisconnected,
  agentStart,
  agentToken,
  attachChannels,
  channelsList,
  clientAgentData,
  clientInfo,
  clientMigrateEnd,
  mainInit,
  migrateBegin,
  migrateBeginSeamless,
  migrateCancel,
  migrateConnectError,
  migrateConnected,
  migrateConnectedSeamless,
  migrateDstDoSeamless,
  migrateDstSeamlessAck,
  migrateDstSeamlessNack,
  migrateEnd,
  migrateSwitchHost,
  mouseMode,
  mouseModeRequest,
  multiMediaTime,
  qualityIndicator,
  serverAgentToken,
} from '../generated/main.js';
export { MAX_LISTED_CHANNELS } from '../schema/channels.js';
