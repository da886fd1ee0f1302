/** SPICE_MIGRATE_NEED_FLUSH / SPICE_MIGRATE_NEED_DATA_TRANSFER: the flags of the MIGRATE message. */
export const MigrateFlags = { NeedFlush: 1, NeedDataTransfer: 2 } as const;
export type MigrateFlags = (typeof MigrateFlags)[keyof typeof MigrateFlags];
