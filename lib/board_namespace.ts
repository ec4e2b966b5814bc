/**
 * The board stream's Socket.IO namespace (server/signaling/board_stream.ts). A module of its own so that
 * the pages import this string without protocol.ts and the schemas it carries.
 */
export const BOARD_NAMESPACE = "/board";
