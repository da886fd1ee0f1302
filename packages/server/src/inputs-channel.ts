import {
  type ChannelComponents,
  type ChannelFactory,
  type ChannelHandler,
  type IncomingMessage,
  RedChannel,
  type RedChannelClient,
  UnexpectedMessageError,
} from '@spice-ts/channel';
import {
  CapabilitySet,
  ChannelType,
  INPUT_MOTION_ACK_BUNCH,
  InputsCap,
  InputsMsgc,
  inputs,
  KeyboardModifier,
  MouseButton,
  MouseMode,
} from '@spice-ts/protocol';
import type { KeyboardDevice, MouseDevice, TabletDevice } from './devices.js';

/** Largest inputs-channel client message (upstream 2 KiB). */
export const INPUTS_MAX_CLIENT_MESSAGE = 2048;

/** Scancodes the server injects to toggle lock keys (press; release adds 0x80). */
const LOCK_SCANCODES: ReadonlyArray<[number, number]> = [
  [KeyboardModifier.ScrollLock, 0x46],
  [KeyboardModifier.NumLock, 0x45],
  [KeyboardModifier.CapsLock, 0x3a],
];

export interface InputsHost {
  keyboard: KeyboardDevice | null;
  mouse: MouseDevice | null;
  tablet: TabletDevice | null;
  mouseMode(): number;
}

/**
 * The inputs channel: keys as PC/XT set-1 scancodes to the keyboard, relative motion to the mouse
 * (server mouse mode), absolute positions to the tablet (client mouse mode), and a
 * MOUSE_MOTION_ACK after every 4 motion or position messages, without which clients stop sending.
 */
export class InputsChannel extends RedChannel implements ChannelHandler {
  readonly counters = { keys: 0, motions: 0, positions: 0, buttons: 0 };
  private readonly motionCount = new WeakMap<RedChannelClient, number>();

  private readonly host: InputsHost;

  constructor(host: InputsHost, components: ChannelComponents) {
    super({
      type: ChannelType.Inputs,
      id: 0,
      name: 'inputs',
      caps: CapabilitySet.of(InputsCap.KeyScancode),
      maxMessageSize: INPUTS_MAX_CLIENT_MESSAGE,
      multiClient: true,
      logger: components.logger,
      ...(components.stats ? { stats: components.stats } : {}),
    });
    this.host = host;
  }

  connect(rcc: RedChannelClient): void {
    const leds = this.host.keyboard?.leds() ?? 0;
    rcc.send(
      { type: inputs.inputsInit.type, body: inputs.inputsInit.encode({ keyboardModifiers: leds }) },
      'inputs-init',
    );
  }

  handleMessage(rcc: RedChannelClient, message: IncomingMessage): void {
    this.handle(rcc, message.type, message.body);
  }

  /** Tells every inputs client the keyboard LEDs changed. */
  broadcastModifiers(modifiers: number): void {
    for (const rcc of this.clients) {
      rcc.send(
        { type: inputs.inputsKeyModifiers.type, body: inputs.inputsKeyModifiers.encode({ modifiers }) },
        'key-modifiers',
      );
    }
  }

  private pushScancodes(code: number): void {
    const kbd = this.host.keyboard;
    if (!kbd) return;
    // Up to four bytes, least significant first, ending at the first zero byte.
    for (let i = 0; i < 4; i++) {
      const byte = (code >>> (8 * i)) & 0xff;
      if (byte === 0) break;
      kbd.pushScancode(byte);
    }
  }

  private countMotion(rcc: RedChannelClient): void {
    const n = (this.motionCount.get(rcc) ?? 0) + 1;
    this.motionCount.set(rcc, n);
    if (n % INPUT_MOTION_ACK_BUNCH === 0) rcc.send({ type: inputs.mouseMotionAck.type, body: [] }, 'motion-ack');
  }

  private handle(rcc: RedChannelClient, type: number, body: Uint8Array): void {
    const clientMode = this.host.mouseMode() === MouseMode.Client;
    switch (type) {
      case InputsMsgc.KeyDown:
      case InputsMsgc.KeyUp:
        this.counters.keys += 1;
        this.pushScancodes(inputs.keyDown.decode(body).code);
        return;
      case InputsMsgc.KeyScancode: {
        const { data } = inputs.keyScancode.decode(body);
        for (const byte of data) this.host.keyboard?.pushScancode(byte);
        return;
      }
      case InputsMsgc.KeyModifiers: {
        const { modifiers } = inputs.clientKeyModifiers.decode(body);
        const kbd = this.host.keyboard;
        if (!kbd) return;
        const leds = kbd.leds();
        for (const [bit, scancode] of LOCK_SCANCODES) {
          if ((modifiers & bit) !== (leds & bit)) {
            kbd.pushScancode(scancode);
            kbd.pushScancode(scancode | 0x80);
          }
        }
        return;
      }
      case InputsMsgc.MouseMotion: {
        const m = inputs.mouseMotion.decode(body);
        this.counters.motions += 1;
        this.countMotion(rcc);
        if (!clientMode) this.host.mouse?.motion(m.dx, m.dy, 0, m.buttons);
        return;
      }
      case InputsMsgc.MousePosition: {
        const p = inputs.mousePosition.decode(body);
        this.counters.positions += 1;
        this.countMotion(rcc);
        if (clientMode && p.displayId === 0) this.host.tablet?.position(p.x, p.y, p.buttons);
        return;
      }
      case InputsMsgc.MousePress:
      case InputsMsgc.MouseRelease: {
        const b = inputs.mousePress.decode(body);
        this.counters.buttons += 1;
        const press = type === InputsMsgc.MousePress;
        if (b.button === MouseButton.Up || b.button === MouseButton.Down) {
          if (!press) return;
          const dz = b.button === MouseButton.Up ? -1 : 1;
          if (clientMode) this.host.tablet?.wheel(dz, b.buttons);
          else this.host.mouse?.motion(0, 0, dz, b.buttons);
          return;
        }
        if (clientMode) this.host.tablet?.buttons(b.buttons);
        else this.host.mouse?.buttons(b.buttons);
        return;
      }
      default:
        throw new UnexpectedMessageError(rcc.channel.name, type);
    }
  }
}

/** The inputs channel as a channel plugin: `inputsChannel(host)(components)`. */
export function inputsChannel(host: InputsHost): ChannelFactory<InputsChannel> {
  return (components) => new InputsChannel(host, components);
}
