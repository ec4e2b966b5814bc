/** Socket.IO room names. Rooms work across nodes once a cluster adapter is installed. */
export const rooms = {
  /** Every socket of one user. */
  user: (userId: string) => `user:${userId}`,
  /** Every socket that joined a call. */
  call: (callId: string) => `call:${callId}`,
  /** The sockets of one user that joined one call (where its media signaling goes). */
  callUser: (callId: string, userId: string) => `call:${callId}:user:${userId}`,
  /**
   * Technicians' sockets, which want Expert presence, spread over shards so a
   * presence change goes out a shard at a time between other work. `batched`:
   * the sockets that asked for one `user-status-changes` per flush.
   */
  expertWatchers: (shard: number, batched = false) => `watch:experts:${batched ? "batch:" : ""}${shard}`,
  /** Sockets that want everyone's presence: Admins. */
  allWatchers: (batched = false) => (batched ? "watch:all:batch" : "watch:all"),
};
