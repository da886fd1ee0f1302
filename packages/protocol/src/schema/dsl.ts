// The vocabulary of the protocol schema. A schema is plain data: the generator
// (scripts/generate.mjs) turns it into straight-line encoders and decoders in src/generated/, and
// the property tests build random values from it. Facts come from spice-common spice.proto.

/** Wire integers, little-endian. 64-bit ones are bigint in TypeScript. */
export type Prim = 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'i16' | 'i32' | 'i64';

/** How many elements an array or byte run holds. */
export type Size =
  /** The value of an earlier integer field (omitted from the TypeScript shape, derived on encode). */
  | { readonly field: string }
  /** Everything left in the message body (`@end`, `@as_ptr` tails). */
  | { readonly end: true }
  | { readonly fixed: number }
  /** ((bits × width + 7) / 8) × height bytes, width and height being earlier fields (kept). */
  | { readonly image: { readonly bits: number; readonly width: string; readonly height: string } };

export type WireType =
  /** An integer; `values` restricts it to an enum's members (decoders reject anything else). */
  | { readonly kind: 'prim'; readonly prim: Prim; readonly values?: readonly number[] }
  | { readonly kind: 'struct'; readonly name: string }
  /** A u32 offset from the start of the message body; 0 is null unless `nonnull`. */
  | { readonly kind: 'pointer'; readonly to: WireType; readonly nonnull: boolean }
  /** A byte run (a Uint8Array view on decode). */
  | { readonly kind: 'bytes'; readonly size: Size }
  /** `max` (if any) is a decode limit on the element count, checked before anything is allocated. */
  | { readonly kind: 'array'; readonly of: WireType; readonly size: Size; readonly max?: number };

export interface Field {
  readonly kind: 'field';
  readonly name: string;
  readonly type: WireType;
}

/** One arm of a switch: for a flag switch the arm is taken when any of `values` is set (or, with `not`, clear). */
export interface Case {
  readonly values: readonly number[];
  readonly not?: boolean;
  readonly fields: readonly Field[];
}

/**
 * A union selected by an earlier field (a path such as ['descriptor', 'type']): the first matching
 * case wins, `otherwise` applies when none matches. Case fields are optional in the TypeScript shape.
 */
export interface Switch {
  readonly kind: 'switch';
  readonly on: readonly string[];
  readonly flags: boolean;
  readonly cases: readonly Case[];
  readonly otherwise?: readonly Field[];
}

export type Member = Field | Switch;

export interface StructDef {
  readonly name: string;
  readonly members: readonly Member[];
}

export interface MessageDef {
  /** The export name of the codec (camelCase). */
  readonly id: string;
  /** The wire name, e.g. DISPLAY_DRAW_COPY. */
  readonly wireName: string;
  readonly type: number;
  readonly members: readonly Member[];
}

export interface ChannelDef {
  /** Module name of the generated file (kebab-case). */
  readonly name: string;
  /** Prefix of the message-type constants, e.g. 'Playback' gives PlaybackMsg / PlaybackMsgc. */
  readonly constPrefix: string;
  readonly server: readonly MessageDef[];
  readonly client: readonly MessageDef[];
}

export const u8: WireType = { kind: 'prim', prim: 'u8' };
export const u16: WireType = { kind: 'prim', prim: 'u16' };
export const u32: WireType = { kind: 'prim', prim: 'u32' };
export const u64: WireType = { kind: 'prim', prim: 'u64' };
export const i8: WireType = { kind: 'prim', prim: 'i8' };
export const i16: WireType = { kind: 'prim', prim: 'i16' };
export const i32: WireType = { kind: 'prim', prim: 'i32' };
export const i64: WireType = { kind: 'prim', prim: 'i64' };

export function enumOf(prim: Prim, values: readonly number[]): WireType {
  return { kind: 'prim', prim, values };
}
export function struct(name: string): WireType {
  return { kind: 'struct', name };
}
export function ptr(to: WireType, nonnull = false): WireType {
  return { kind: 'pointer', to, nonnull };
}
export function bytes(size: Size): WireType {
  return { kind: 'bytes', size };
}
export function array(of: WireType, size: Size, max?: number): WireType {
  return max === undefined ? { kind: 'array', of, size } : { kind: 'array', of, size, max };
}
export function f(name: string, type: WireType): Field {
  return { kind: 'field', name, type };
}
export const END: Size = { end: true };
export function sized(field: string): Size {
  return { field };
}
export function flagSwitch(
  on: string | readonly string[],
  cases: readonly Case[],
  otherwise?: readonly Field[],
): Switch {
  const path = typeof on === 'string' ? [on] : on;
  return otherwise
    ? { kind: 'switch', on: path, flags: true, cases, otherwise }
    : { kind: 'switch', on: path, flags: true, cases };
}
export function valueSwitch(
  on: string | readonly string[],
  cases: readonly Case[],
  otherwise?: readonly Field[],
): Switch {
  const path = typeof on === 'string' ? [on] : on;
  return otherwise
    ? { kind: 'switch', on: path, flags: false, cases, otherwise }
    : { kind: 'switch', on: path, flags: false, cases };
}
export function when(values: number | readonly number[], ...fields: Field[]): Case {
  return { values: typeof values === 'number' ? [values] : values, fields };
}
export function unless(value: number, ...fields: Field[]): Case {
  return { values: [value], not: true, fields };
}
export function message(id: string, wireName: string, type: number, members: readonly Member[] = []): MessageDef {
  return { id, wireName, type, members };
}
