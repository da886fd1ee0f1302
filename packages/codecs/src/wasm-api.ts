// The few WebAssembly JS API members the loaders use: Node's global has them, but this package
// compiles without the DOM lib, whose declarations they live in.

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
}

const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compiles a module synchronously (small modules only: the main thread blocks while it compiles). */
export function compileWasm(bytes: Uint8Array): object {
  return new api.Module(bytes);
}

/** Instantiates `module` with an `env.abort` that throws; returns its exports. */
export function instantiateWasm(module: object, name: string): Record<string, unknown> {
  return new api.Instance(module, {
    env: {
      abort: () => {
        throw new Error(`${name} wasm abort`);
      },
    },
  }).exports;
}
