/** Most items a display or cursor client's pipe may hold before the worker stops pulling guest
 *  commands (upstream MAX_PIPE_SIZE). It must exceed twice the ACK window (2 × 20) so that an
 *  incoming ACK always makes room. Bounding by bytes with squashing comes with the display issue. */
export const MAX_PIPE_ITEMS = 50;

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
