import { BaseMsg } from '../message-types.js';
import { Reader } from '../reader.js';
import { decodeCString, encodeUtf8 } from '../text.js';
import { type MessageCodec, single } from './codec.js';

export interface Ping {
  id: number;
  /** Monotonic time stamp chosen by the server (ns for channel pings, µs for the main net test). */
  timestamp: bigint;
  /** Optional payload (the net test sends 250 KiB of zeros). */
  data?: Uint8Array;
}

export const ping: MessageCodec<Ping> = {
  name: 'PING',
  type: BaseMsg.Ping,
  encode(m) {
    const head = single(12, (w) => w.u32(m.id).u64(m.timestamp));
    return m.data && m.data.byteLength > 0 ? [...head, m.data] : head;
  },
  decode(body) {
    const r = new Reader(body);
    const id = r.u32();
    const timestamp = r.u64();
    const data = r.rest();
    return data.byteLength > 0 ? { id, timestamp, data } : { id, timestamp };
  },
};

export interface Notify {
  timestamp: bigint;
  severity: number;
  visibility: number;
  what: number;
  message: string;
}

export const notify: MessageCodec<Notify> = {
  name: 'NOTIFY',
  type: BaseMsg.Notify,
  // Like libspice-server: message_len counts the text only, a NUL follows it.
  encode(m) {
    const text = encodeUtf8(m.message);
    return single(24 + text.byteLength + 1, (w) =>
      w.u64(m.timestamp).u32(m.severity).u32(m.visibility).u32(m.what).u32(text.byteLength).bytes(text).u8(0),
    );
  },
  decode(body) {
    const r = new Reader(body);
    const timestamp = r.u64();
    const severity = r.u32();
    const visibility = r.u32();
    const what = r.u32();
    const len = r.u32();
    const bytes = r.bytes(len, 'notify message');
    return { timestamp, severity, visibility, what, message: decodeCString(bytes) };
  },
};

// Generated from the schema (src/schema/channels.ts): the base messages not written by hand above.
// Generated drop-in replacements of earlier hand-written codecs (same names, same shapes).
export type {
  AckSyncMessage as AckSync,
  ClientMigrateDataMessage,
  DisconnectingMessage as Disconnecting,
  ListMessage,
  MigrateDataMessage,
  MigrateFlushMarkMessage,
  MigrateMessage,
  PongMessage as Pong,
  SetAckMessage as SetAck,
  WaitForChannelsMessage,
} from '../generated/base.js';
export {
  ack,
  ackSync,
  clientDisconnecting,
  clientMigrateData,
  disconnecting,
  list,
  migrate,
  migrateData,
  migrateFlushMark,
  pong,
  setAck,
  waitForChannels,
} from '../generated/base.js';
