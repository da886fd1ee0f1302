import { InputsMsg, InputsMsgc } from '../message-types.js';
import { Reader } from '../reader.js';
import { emptyCodec, type MessageCodec, single } from './codec.js';

export const inputsInit: MessageCodec<{ keyboardModifiers: number }> = {
  name: 'INPUTS_INIT',
  type: InputsMsg.Init,
  encode: (m) => single(2, (w) => w.u16(m.keyboardModifiers)),
  decode: (body) => ({ keyboardModifiers: new Reader(body).u16() }),
};

export const inputsKeyModifiers: MessageCodec<{ modifiers: number }> = {
  name: 'INPUTS_KEY_MODIFIERS',
  type: InputsMsg.KeyModifiers,
  encode: (m) => single(2, (w) => w.u16(m.modifiers)),
  decode: (body) => ({ modifiers: new Reader(body).u16() }),
};

export const mouseMotionAck = emptyCodec('INPUTS_MOUSE_MOTION_ACK', InputsMsg.MouseMotionAck);

// client → server

/** KEY_DOWN / KEY_UP: up to 4 PC/XT set-1 scancode bytes, least significant first, 0-terminated. */
export interface KeyCode {
  code: number;
}

export const keyDown: MessageCodec<KeyCode> = {
  name: 'INPUTSC_KEY_DOWN',
  type: InputsMsgc.KeyDown,
  encode: (m) => single(4, (w) => w.u32(m.code)),
  decode: (body) => ({ code: new Reader(body).u32() }),
};

export const keyUp: MessageCodec<KeyCode> = { ...keyDown, name: 'INPUTSC_KEY_UP', type: InputsMsgc.KeyUp };

export const clientKeyModifiers: MessageCodec<{ modifiers: number }> = {
  name: 'INPUTSC_KEY_MODIFIERS',
  type: InputsMsgc.KeyModifiers,
  encode: (m) => single(2, (w) => w.u16(m.modifiers)),
  decode: (body) => ({ modifiers: new Reader(body).u16() }),
};

export const keyScancode: MessageCodec<{ data: Uint8Array }> = {
  name: 'INPUTSC_KEY_SCANCODE',
  type: InputsMsgc.KeyScancode,
  encode: (m) => [m.data],
  decode: (body) => ({ data: body }),
};

export interface MouseMotion {
  dx: number;
  dy: number;
  buttons: number;
}

export const mouseMotion: MessageCodec<MouseMotion> = {
  name: 'INPUTSC_MOUSE_MOTION',
  type: InputsMsgc.MouseMotion,
  encode: (m) => single(10, (w) => w.i32(m.dx).i32(m.dy).u16(m.buttons)),
  decode(body) {
    const r = new Reader(body);
    return { dx: r.i32(), dy: r.i32(), buttons: r.u16() };
  },
};

export interface MousePosition {
  x: number;
  y: number;
  buttons: number;
  displayId: number;
}

export const mousePosition: MessageCodec<MousePosition> = {
  name: 'INPUTSC_MOUSE_POSITION',
  type: InputsMsgc.MousePosition,
  encode: (m) => single(11, (w) => w.u32(m.x).u32(m.y).u16(m.buttons).u8(m.displayId)),
  decode(body) {
    const r = new Reader(body);
    return { x: r.u32(), y: r.u32(), buttons: r.u16(), displayId: r.u8() };
  },
};

export interface MouseButtonEvent {
  button: number;
  buttons: number;
}

export const mousePress: MessageCodec<MouseButtonEvent> = {
  name: 'INPUTSC_MOUSE_PRESS',
  type: InputsMsgc.MousePress,
  encode: (m) => single(3, (w) => w.u8(m.button).u16(m.buttons)),
  decode(body) {
    const r = new Reader(body);
    return { button: r.u8(), buttons: r.u16() };
  },
};

export const mouseRelease: MessageCodec<MouseButtonEvent> = {
  ...mousePress,
  name: 'INPUTSC_MOUSE_RELEASE',
  type: InputsMsgc.MouseRelease,
};
