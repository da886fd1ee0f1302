import type { Socket } from 'node:net';
import { silentLogger } from '@spice-ts/channel';
import {
  InputsCap,
  InputsMsgc,
  inputs,
  KeyboardModifier,
  MouseButton,
  MouseButtonMask,
  MouseMode,
} from '@spice-ts/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KeyboardDevice, MouseDevice, TabletDevice } from '../src/devices.js';
import { type InputsChannel, inputsChannel, KEY_MODIFIERS_TTL_MS } from '../src/inputs-channel.js';
import { type ChannelPeer, connectPeer, settle, until } from './support/channel-peer.js';

const body = (chunks: Uint8Array[]): Uint8Array => Buffer.concat(chunks);
const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');

/** A guest keyboard that toggles its lock LEDs when it sees the lock keys go down, as a PC does. */
function fakeKeyboard(initialLeds = 0) {
  const bytes: number[] = [];
  let leds = initialLeds;
  let prefixed = false;
  const device: KeyboardDevice = {
    pushScancode(byte) {
      bytes.push(byte);
      if (byte >= 0xe0) {
        prefixed = true;
        return;
      }
      if (!prefixed) {
        if (byte === 0x3a) leds ^= KeyboardModifier.CapsLock;
        if (byte === 0x45) leds ^= KeyboardModifier.NumLock;
        if (byte === 0x46) leds ^= KeyboardModifier.ScrollLock;
      }
      prefixed = false;
    },
    leds: () => leds,
  };
  return { device, bytes, setLeds: (value: number) => (leds = value) };
}

function fakePointers() {
  const calls: string[] = [];
  const mouse: MouseDevice = {
    motion: (dx, dy, dz, buttons) => calls.push(`mouse.motion ${dx} ${dy} ${dz} ${buttons}`),
    buttons: (mask) => calls.push(`mouse.buttons ${mask}`),
  };
  const tablet: TabletDevice = {
    position: (x, y, buttons) => calls.push(`tablet.position ${x} ${y} ${buttons}`),
    wheel: (dz, buttons) => calls.push(`tablet.wheel ${dz} ${buttons}`),
    buttons: (mask) => calls.push(`tablet.buttons ${mask}`),
  };
  return { mouse, tablet, calls };
}

describe('inputs channel', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    vi.useRealTimers();
    for (const s of sockets.splice(0)) s.destroy();
  });

  function setup(options: { leds?: number; mode?: number } = {}) {
    const keyboard = fakeKeyboard(options.leds ?? 0);
    const pointers = fakePointers();
    let mode: number = options.mode ?? MouseMode.Server;
    const channel: InputsChannel = inputsChannel({
      keyboard: keyboard.device,
      mouse: pointers.mouse,
      tablet: pointers.tablet,
      mouseMode: () => mode,
    })({ logger: silentLogger });
    const connect = (clientId = 1): Promise<ChannelPeer> => connectPeer(channel, { clientId, sockets });
    return { channel, keyboard, pointers, connect, setMode: (m: number) => (mode = m) };
  }

  const keyDown = (peer: ChannelPeer, code: number) =>
    peer.send(InputsMsgc.KeyDown, body(inputs.keyDown.encode({ code })));
  const keyUp = (peer: ChannelPeer, code: number) => peer.send(InputsMsgc.KeyUp, body(inputs.keyUp.encode({ code })));
  const modifiers = (peer: ChannelPeer, value: number) =>
    peer.send(InputsMsgc.KeyModifiers, body(inputs.clientKeyModifiers.encode({ modifiers: value })));

  it('advertises KEY_SCANCODE', () => {
    expect(setup().channel.caps?.has(InputsCap.KeyScancode)).toBe(true);
  });

  it('sends the guest LEDs in INPUTS_INIT', async () => {
    const { connect } = setup({ leds: KeyboardModifier.NumLock });
    const peer = await connect();
    await peer.waitFor(inputs.inputsInit.type);
    expect(inputs.inputsInit.decode(peer.received(inputs.inputsInit.type)[0]!).keyboardModifiers).toBe(
      KeyboardModifier.NumLock,
    );
  });

  it('passes E0 keys byte by byte: right Ctrl is E0 1D, its release E0 9D', async () => {
    const { connect, keyboard, channel } = setup();
    const peer = await connect();
    keyDown(peer, 0x1de0);
    await until(() => keyboard.bytes.length === 2);
    expect(channel.heldKeys()).toEqual([0xe01d]);
    keyUp(peer, 0x9de0);
    await until(() => keyboard.bytes.length === 4);
    expect(hex(keyboard.bytes)).toBe('e0 1d e0 9d');
    expect(channel.heldKeys()).toEqual([]);
  });

  it('passes Pause (E1 1D 45 E1 9D C5) without taking its 45 for Num Lock', async () => {
    const { connect, keyboard, channel } = setup();
    const peer = await connect();
    // As KEY_DOWN/KEY_UP codes (three bytes each) and as one KEY_SCANCODE message.
    keyDown(peer, 0x451de1);
    keyUp(peer, 0xc59de1);
    peer.send(InputsMsgc.KeyScancode, Uint8Array.of(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5));
    await until(() => keyboard.bytes.length === 12);
    expect(hex(keyboard.bytes)).toBe('e1 1d 45 e1 9d c5 e1 1d 45 e1 9d c5');
    expect(channel.heldKeys()).toEqual([]);
    // The believed Num Lock state did not change: a client saying "Num Lock off" presses nothing.
    modifiers(peer, 0);
    await settle();
    expect(keyboard.bytes).toHaveLength(12);
  });

  it('passes KEY_SCANCODE bytes with E0 prefixes and release bits', async () => {
    const { connect, keyboard, channel } = setup();
    const peer = await connect();
    // Left arrow down and up, then a plain "a" down.
    peer.send(InputsMsgc.KeyScancode, Uint8Array.of(0xe0, 0x4b, 0xe0, 0xcb, 0x1e));
    await until(() => keyboard.bytes.length === 5);
    expect(hex(keyboard.bytes)).toBe('e0 4b e0 cb 1e');
    expect(channel.heldKeys()).toEqual([0x1e]);
  });

  it('releases held keys when the inputs client goes away', async () => {
    const { connect, keyboard, channel } = setup();
    const peer = await connect();
    keyDown(peer, 0x1e); // a
    keyDown(peer, 0x38e0); // right Alt
    await until(() => keyboard.bytes.length === 3);
    peer.socket.destroy();
    await peer.closed;
    await until(() => keyboard.bytes.length === 6);
    expect(hex(keyboard.bytes.slice(3))).toBe('9e e0 b8');
    expect(channel.heldKeys()).toEqual([]);
  });

  it('presses the lock keys a KEY_MODIFIERS asks for, once, and reports the guest LEDs back 2 s later', async () => {
    const { connect, keyboard, pointers } = setup();
    const peer = await connect();
    await peer.waitFor(inputs.inputsInit.type);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    modifiers(peer, KeyboardModifier.CapsLock | KeyboardModifier.NumLock);
    await until(() => keyboard.bytes.length === 4);
    expect(hex(keyboard.bytes)).toBe('45 c5 3a ba');
    // The same request again changes nothing: the server remembers what it pressed.
    modifiers(peer, KeyboardModifier.CapsLock | KeyboardModifier.NumLock);
    keyboard.setLeds(KeyboardModifier.CapsLock); // the guest took only Caps Lock
    // A motion behind it shows the channel has handled the request (messages are handled in order).
    peer.send(InputsMsgc.MouseMotion, body(inputs.mouseMotion.encode({ dx: 0, dy: 0, buttons: 0 })));
    await until(() => pointers.calls.length === 1);
    expect(keyboard.bytes).toHaveLength(4);
    expect(peer.received(inputs.inputsKeyModifiers.type)).toHaveLength(0);
    vi.advanceTimersByTime(KEY_MODIFIERS_TTL_MS);
    await peer.waitFor(inputs.inputsKeyModifiers.type);
    expect(inputs.inputsKeyModifiers.decode(peer.received(inputs.inputsKeyModifiers.type)[0]!).modifiers).toBe(
      KeyboardModifier.CapsLock,
    );
    // The client asks again for Num Lock: it is pressed again.
    modifiers(peer, KeyboardModifier.CapsLock | KeyboardModifier.NumLock);
    await until(() => keyboard.bytes.length === 6);
    expect(hex(keyboard.bytes.slice(4))).toBe('45 c5');
  });

  it('counts a lock key typed on the client, and leaves a held lock key alone', async () => {
    const { connect, keyboard } = setup();
    const peer = await connect();
    keyDown(peer, 0x3a);
    keyDown(peer, 0x3a); // autorepeat: one toggle per press
    await until(() => keyboard.bytes.length === 2);
    modifiers(peer, 0); // Caps Lock is held: not toggled behind the user's back
    keyUp(peer, 0xba);
    modifiers(peer, KeyboardModifier.CapsLock); // already on after the typed Caps Lock
    await until(() => keyboard.bytes.length === 3);
    await settle();
    expect(hex(keyboard.bytes)).toBe('3a 3a ba');
  });

  it('tells every client when the embedder reports new LEDs', async () => {
    const { connect, channel } = setup();
    const a = await connect(1);
    const b = await connect(2);
    channel.broadcastModifiers(KeyboardModifier.ScrollLock);
    for (const peer of [a, b]) {
      await peer.waitFor(inputs.inputsKeyModifiers.type);
      expect(inputs.inputsKeyModifiers.decode(peer.received(inputs.inputsKeyModifiers.type)[0]!).modifiers).toBe(
        KeyboardModifier.ScrollLock,
      );
    }
  });

  it('turns wheel presses into dz on the mouse or the tablet, and releases into button states', async () => {
    const { connect, pointers, setMode } = setup();
    const peer = await connect();
    const press = (button: number, buttons: number) =>
      peer.send(InputsMsgc.MousePress, body(inputs.mousePress.encode({ button, buttons })));
    const release = (button: number, buttons: number) =>
      peer.send(InputsMsgc.MouseRelease, body(inputs.mouseRelease.encode({ button, buttons })));
    press(MouseButton.Up, MouseButtonMask.Up);
    release(MouseButton.Up, 0);
    press(MouseButton.Down, MouseButtonMask.Down | MouseButtonMask.Left);
    press(MouseButton.Right, MouseButtonMask.Right);
    await until(() => pointers.calls.length === 4);
    setMode(MouseMode.Client);
    press(MouseButton.Down, MouseButtonMask.Down);
    press(MouseButton.Up, MouseButtonMask.Up);
    release(MouseButton.Up, 0);
    await until(() => pointers.calls.length === 7);
    expect(pointers.calls).toEqual([
      'mouse.motion 0 0 -1 8',
      'mouse.buttons 0',
      'mouse.motion 0 0 1 17',
      'mouse.buttons 4',
      'tablet.wheel 1 16',
      'tablet.wheel -1 8',
      'tablet.buttons 0',
    ]);
  });

  it('sends relative motion to the mouse in server mode and positions to the tablet in client mode', async () => {
    const { connect, pointers, setMode } = setup();
    const peer = await connect();
    const motion = (dx: number, dy: number) =>
      peer.send(InputsMsgc.MouseMotion, body(inputs.mouseMotion.encode({ dx, dy, buttons: MouseButtonMask.Left })));
    const position = (x: number, y: number, displayId: number) =>
      peer.send(InputsMsgc.MousePosition, body(inputs.mousePosition.encode({ x, y, buttons: 0, displayId })));
    motion(-3, 4);
    position(10, 20, 0); // ignored in server mode
    await until(() => pointers.calls.length === 1);
    setMode(MouseMode.Client);
    motion(1, 1); // ignored in client mode
    position(100, 200, 0);
    position(5, 6, 1);
    await until(() => pointers.calls.length === 3);
    expect(pointers.calls).toEqual(['mouse.motion -3 4 0 1', 'tablet.position 100 200 0', 'tablet.position 5 6 0']);
  });

  it('acknowledges every 4th motion or position message (SPICE_INPUT_MOTION_ACK_BUNCH)', async () => {
    const { connect } = setup();
    const peer = await connect();
    for (let i = 0; i < 6; i++)
      peer.send(InputsMsgc.MouseMotion, body(inputs.mouseMotion.encode({ dx: 1, dy: 0, buttons: 0 })));
    for (let i = 0; i < 3; i++)
      peer.send(InputsMsgc.MousePosition, body(inputs.mousePosition.encode({ x: 1, y: 1, buttons: 0, displayId: 0 })));
    await peer.waitFor(inputs.mouseMotionAck.type, 2);
    await settle();
    expect(peer.received(inputs.mouseMotionAck.type)).toHaveLength(2);
  });
});
