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
/**
 * After the client's KEY_MODIFIERS (or a lock key), the guest's LEDs are sent back to every
 * client this much later, so a client whose lock state the guest did not take is corrected
 * (upstream KEY_MODIFIERS_TTL, 2 s).
 */
export const KEY_MODIFIERS_TTL_MS = 2000;
/** The release bit of a PC/XT set-1 scancode. */
export const SCANCODE_RELEASE = 0x80;

/** Set-1 scancodes of the lock keys (press; release adds 0x80), by KeyboardModifier bit. */
const LOCK_SCANCODES: ReadonlyArray<[number, number]> = [
  [KeyboardModifier.ScrollLock, 0x46],
  [KeyboardModifier.NumLock, 0x45],
  [KeyboardModifier.CapsLock, 0x3a],
];
const LOCK_BY_SCANCODE: ReadonlyMap<number, number> = new Map(LOCK_SCANCODES.map(([bit, code]) => [code, bit]));
const ALL_LOCKS = KeyboardModifier.ScrollLock | KeyboardModifier.NumLock | KeyboardModifier.CapsLock;

export interface InputsHost {
  keyboard: KeyboardDevice | null;
  mouse: MouseDevice | null;
  tablet: TabletDevice | null;
  mouseMode(): number;
}

/**
 * The inputs channel: keys as PC/XT set-1 scancodes to the keyboard, relative motion to the mouse
 * (server mouse mode), absolute positions to the tablet (client mouse mode), wheel and buttons to
 * whichever is in use, and a MOUSE_MOTION_ACK after every 4 motion or position messages, without
 * which clients stop sending.
 *
 * Like upstream it keeps the keyboard state the guest was given: which keys are held (released
 * when an inputs client goes, so no key stays stuck), and the lock-key state it believes the guest
 * has, which decides the lock keys pressed for a client's KEY_MODIFIERS and is sent back to the
 * clients with KEY_MODIFIERS 2 s later (read from the keyboard's LEDs) or when the embedder calls
 * `broadcastModifiers()`.
 */
export class InputsChannel extends RedChannel implements ChannelHandler {
  readonly counters = { keys: 0, motions: 0, positions: 0, buttons: 0 };
  private readonly motionCount = new WeakMap<RedChannelClient, number>();

  private readonly host: InputsHost;
  /** Lock state (KeyboardModifier bits) the guest is believed to have; null until first needed. */
  private modifiers: number | null = null;
  /** Lock keys held down now: KEY_MODIFIERS does not toggle them (upstream modifiers_pressed). */
  private locksPressed = 0;
  /** Held keys without prefix and with the E0 prefix, by scancode (upstream key and key_ext). */
  private readonly keysDown = new Set<number>();
  private readonly extKeysDown = new Set<number>();
  /** The prefix being followed (0xe0, 0xe1, 0xe2) and how many bytes it still covers. */
  private prefix = 0;
  private prefixLeft = 0;
  private modifiersWatch: ReturnType<typeof setTimeout> | null = null;

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
    rcc.onDisconnect(() => this.releaseKeys());
  }

  handleMessage(rcc: RedChannelClient, message: IncomingMessage): void {
    this.handle(rcc, message.type, message.body);
  }

  /**
   * The guest's keyboard LEDs changed (upstream spice_server_kbd_leds): remembers them and tells
   * every inputs client with KEY_MODIFIERS.
   */
  broadcastModifiers(modifiers: number): void {
    this.modifiers = modifiers & ALL_LOCKS;
    for (const rcc of this.clients) {
      rcc.send(
        { type: inputs.inputsKeyModifiers.type, body: inputs.inputsKeyModifiers.encode({ modifiers }) },
        'key-modifiers',
      );
    }
  }

  /** Keys held down now, as the bytes that press them (0x1d, or 0xe01d for an E0 key). */
  heldKeys(): number[] {
    return [...this.keysDown, ...[...this.extKeysDown].map((code) => 0xe000 | code)];
  }

  private currentModifiers(): number {
    this.modifiers ??= (this.host.keyboard?.leds() ?? 0) & ALL_LOCKS;
    return this.modifiers;
  }

  /** Pushes one scancode byte to the guest, keeping track of held keys and lock keys. */
  private pushScancode(byte: number): void {
    const kbd = this.host.keyboard;
    if (!kbd) return;
    if (byte >= 0xe0 && byte <= 0xe2) {
      // E0 and E2 cover the next byte; E1 (only Pause: E1 1D 45, E1 9D C5) the next two.
      this.prefix = byte;
      this.prefixLeft = byte === 0xe1 ? 2 : 1;
    } else if (this.prefixLeft > 0) {
      if (this.prefix === 0xe0) this.track(this.extKeysDown, byte);
      if (--this.prefixLeft === 0) this.prefix = 0;
    } else {
      this.track(this.keysDown, byte);
      this.syncLocks(byte);
    }
    kbd.pushScancode(byte);
  }

  private track(held: Set<number>, byte: number): void {
    if (byte & SCANCODE_RELEASE) held.delete(byte & 0x7f);
    else held.add(byte);
  }

  /** A lock key going down toggles the believed lock state (once per press, not per repeat). */
  private syncLocks(byte: number): void {
    const bit = LOCK_BY_SCANCODE.get(byte & 0x7f) ?? 0;
    if (bit === 0) return;
    if (byte & SCANCODE_RELEASE) {
      this.locksPressed &= ~bit;
    } else if (!(this.locksPressed & bit)) {
      this.modifiers = this.currentModifiers() ^ bit;
      this.locksPressed |= bit;
      this.watchModifiers();
    }
  }

  /** Up to four bytes of a KEY_DOWN/KEY_UP code, least significant first, ending at a zero byte. */
  private pushKeyCode(code: number): void {
    for (let i = 0; i < 4; i++) {
      const byte = (code >>> (8 * i)) & 0xff;
      if (byte === 0) break;
      this.pushScancode(byte);
    }
  }

  /** Releases every held key, as upstream does when an inputs client goes away. */
  private releaseKeys(): void {
    const kbd = this.host.keyboard;
    if (!kbd) return;
    this.prefix = 0;
    this.prefixLeft = 0;
    for (const code of [...this.keysDown]) this.pushScancode(code | SCANCODE_RELEASE);
    for (const code of [...this.extKeysDown]) {
      this.pushScancode(0xe0);
      this.pushScancode(code | SCANCODE_RELEASE);
    }
  }

  /** Sends the guest's LEDs to the clients KEY_MODIFIERS_TTL_MS from now (restarting the wait). */
  private watchModifiers(): void {
    if (this.modifiersWatch !== null) clearTimeout(this.modifiersWatch);
    this.modifiersWatch = setTimeout(() => {
      this.modifiersWatch = null;
      if (this.clients.size === 0) return;
      this.broadcastModifiers(this.host.keyboard?.leds() ?? this.currentModifiers());
    }, KEY_MODIFIERS_TTL_MS);
    this.modifiersWatch.unref?.();
  }

  private countMotion(rcc: RedChannelClient): void {
    const n = (this.motionCount.get(rcc) ?? 0) + 1;
    if (n < INPUT_MOTION_ACK_BUNCH) {
      this.motionCount.set(rcc, n);
      return;
    }
    this.motionCount.set(rcc, 0);
    rcc.send({ type: inputs.mouseMotionAck.type, body: [] }, 'motion-ack');
  }

  private handle(rcc: RedChannelClient, type: number, body: Uint8Array): void {
    const clientMode = this.host.mouseMode() === MouseMode.Client;
    switch (type) {
      case InputsMsgc.KeyDown:
      case InputsMsgc.KeyUp:
        this.counters.keys += 1;
        this.pushKeyCode(inputs.keyDown.decode(body).code);
        return;
      case InputsMsgc.KeyScancode: {
        const { data } = inputs.keyScancode.decode(body);
        this.counters.keys += 1;
        for (const byte of data) this.pushScancode(byte);
        return;
      }
      case InputsMsgc.KeyModifiers: {
        const { modifiers } = inputs.clientKeyModifiers.decode(body);
        const kbd = this.host.keyboard;
        if (!kbd) return;
        const current = this.currentModifiers();
        let toggled = false;
        for (const [bit, scancode] of LOCK_SCANCODES) {
          // A lock key the user holds right now is left alone (its release would undo it).
          if (this.locksPressed & bit || (modifiers & bit) === (current & bit)) continue;
          kbd.pushScancode(scancode);
          kbd.pushScancode(scancode | SCANCODE_RELEASE);
          this.modifiers = (this.modifiers ?? 0) ^ bit;
          toggled = true;
        }
        // Only a change needs the LEDs echoed later: an idle client costs no timer.
        if (toggled) this.watchModifiers();
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
        // As upstream, the tablet gets the position whatever display it is on.
        if (clientMode) this.host.tablet?.position(p.x, p.y, p.buttons);
        return;
      }
      case InputsMsgc.MousePress:
      case InputsMsgc.MouseRelease: {
        const b = inputs.mousePress.decode(body);
        this.counters.buttons += 1;
        const wheel = b.button === MouseButton.Up || b.button === MouseButton.Down;
        if (type === InputsMsgc.MousePress && wheel) {
          // A wheel notch is a press of UP (away from the user: dz -1) or DOWN (dz +1).
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
