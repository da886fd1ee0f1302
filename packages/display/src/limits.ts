/**
 * Bytes a display or cursor client's pipe may hold before the worker stops pulling guest commands
 * (upstream bounded it by 50 items, whatever their size). Items carry their encoded size; an
 * image-heavy pipe stops the worker sooner than a pipe of small fills.
 */
export const DISPLAY_MAX_PIPE_BYTES = 8 * 1024 * 1024;

/** Bytes of a draw message besides its image (base, clip, descriptor, headers). */
export const DRAW_OVERHEAD_BYTES = 128;

/** Commands processed in one pass before yielding to the event loop (sockets, timers). */
export const COMMANDS_PER_PASS = 64;

/** Largest client message on display and cursor channels (upstream: 1 KiB receive buffer). */
export const DISPLAY_MAX_CLIENT_MESSAGE = 1024;

/** ACK window announced to display and cursor clients (upstream CLIENT_ACK_WINDOW). */
export const DISPLAY_ACK_WINDOW = 20;

/** Latency ping of display clients: first after 100 ms, then every 15 s (upstream values). */
export const DISPLAY_PING = { firstMs: 100, intervalMs: 15_000 } as const;

/** Image id group for images the server makes itself (QXL image group RED = 2). */
export const SERVER_IMAGE_GROUP = 2n;

/** Largest GLZ window accepted from a client, in pixels (lz_common.h LZ_MAX_WINDOW_SIZE: 2^25). */
export const GLZ_MAX_WINDOW_PIXELS = 1 << 25;

/**
 * Images of at least this many pixels are encoded in the encoder threads when there are some:
 * 256x256, where a QUIC encode starts to take milliseconds on these machines.
 */
export const OFFLOAD_MIN_PIXELS = 256 * 256;
