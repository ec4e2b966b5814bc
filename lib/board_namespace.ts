/**
 * The board stream's Socket.IO namespace (server/signaling/board_stream.ts). A module of its own so that
 * the pages import this string without protocol.ts and the schemas it carries.
 */
export const BOARD_NAMESPACE = "/board";

/** What it carries: copies of the signaling socket's events of these names. */
export const BOARD_EVENTS = ["annotation", "chat"] as const;
export type BoardEvent = typeof BOARD_EVENTS[number];
