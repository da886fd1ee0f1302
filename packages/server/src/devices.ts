/**
 * Input devices the embedder (or the built-in demo guest) provides, as SPICE's keyboard, mouse and
 * tablet interfaces: the inputs channel forwards client input to them.
 */
export interface KeyboardDevice {
  /** One PC/XT set-1 scancode byte (0xE0 prefix and 0x80 release bit included). */
  pushScancode(byte: number): void;
  /** Current lock-key LEDs as KeyboardModifier bits (scroll 1, num 2, caps 4). */
  leds(): number;
}

/** A relative pointer (server mouse mode). */
export interface MouseDevice {
  motion(dx: number, dy: number, dz: number, buttons: number): void;
  buttons(mask: number): void;
}

/** An absolute pointer (client mouse mode); its presence allows client mode. */
export interface TabletDevice {
  position(x: number, y: number, buttons: number): void;
  wheel(dz: number, buttons: number): void;
  buttons(mask: number): void;
}
