import { Reader, Writer } from '@spice-ts/protocol';

// The port channel's messages (spice.proto: SpicevmcChannel, PortChannel), written with the
// protocol package's public Reader/Writer as any third party would.

/** SPICE_CHANNEL_PORT. */
export const PORT_CHANNEL_TYPE = 10;
/** Server → client. */
export const PortMsg = { Data: 101, CompressedData: 102, Init: 201, Event: 202 } as const;
/** Client → server. */
export const PortMsgc = { Data: 101, CompressedData: 102, Event: 201 } as const;
/** SPICE_PORT_EVENT_*. */
export const PortEvent = { Opened: 0, Closed: 1, Break: 2 } as const;

/** PORT_INIT: u32 name_size, u32 pointer to the NUL-terminated name, u8 opened, then the name. */
export function encodePortInit(name: string, opened: boolean): Uint8Array[] {
  const bytes = new TextEncoder().encode(name);
  const w = new Writer(9 + bytes.byteLength + 1);
  w.u32(bytes.byteLength + 1)
    .u32(9)
    .u8(opened ? 1 : 0)
    .bytes(bytes)
    .u8(0);
  return [w.finish()];
}

export function encodePortEvent(event: number): Uint8Array[] {
  return [new Writer(1).u8(event).finish()];
}

export function decodePortEvent(body: Uint8Array): number {
  return new Reader(body).u8('port event');
}
