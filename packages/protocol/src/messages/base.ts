import { BaseMsg, BaseMsgc } from '../message-types.js';
import { Reader } from '../reader.js';
import { decodeCString, encodeUtf8 } from '../text.js';
import { emptyCodec, type MessageCodec, single } from './codec.js';

export interface SetAck {
  generation: number;
  window: number;
}

export const setAck: MessageCodec<SetAck> = {
  name: 'SET_ACK',
  type: BaseMsg.SetAck,
  encode: (m) => single(8, (w) => w.u32(m.generation).u32(m.window)),
  decode(body) {
    const r = new Reader(body);
    return { generation: r.u32(), window: r.u32() };
  },
};

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
  encode(m) {
    const text = encodeUtf8(m.message);
    return single(24 + text.byteLength + 1, (w) =>
      w
        .u64(m.timestamp)
        .u32(m.severity)
        .u32(m.visibility)
        .u32(m.what)
        .u32(text.byteLength + 1)
        .bytes(text)
        .u8(0),
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

export interface Disconnecting {
  timestamp: bigint;
  reason: number;
}

export const disconnecting: MessageCodec<Disconnecting> = {
  name: 'DISCONNECTING',
  type: BaseMsg.Disconnecting,
  encode: (m) => single(12, (w) => w.u64(m.timestamp).u32(m.reason)),
  decode(body) {
    const r = new Reader(body);
    return { timestamp: r.u64(), reason: r.u32() };
  },
};

// client → server

export interface AckSync {
  generation: number;
}

export const ackSync: MessageCodec<AckSync> = {
  name: 'ACK_SYNC',
  type: BaseMsgc.AckSync,
  encode: (m) => single(4, (w) => w.u32(m.generation)),
  decode: (body) => ({ generation: new Reader(body).u32() }),
};

export const ack = emptyCodec('ACK', BaseMsgc.Ack);

export interface Pong {
  id: number;
  timestamp: bigint;
}

/** PONG: clients echo id and timestamp only (spice-html5 slices the first 12 bytes). */
export const pong: MessageCodec<Pong> = {
  name: 'PONG',
  type: BaseMsgc.Pong,
  encode: (m) => single(12, (w) => w.u32(m.id).u64(m.timestamp)),
  decode(body) {
    const r = new Reader(body);
    return { id: r.u32(), timestamp: r.u64() };
  },
};

export const clientDisconnecting: MessageCodec<Disconnecting> = { ...disconnecting, type: BaseMsgc.Disconnecting };
