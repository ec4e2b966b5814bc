/**
 * How many requests and client events the server has received: work that should wait for a lull waits until
 * it stops moving (a full garbage collection, server/quiet_gc.ts; a presence flush's next writes,
 * server/signaling/write_pacer.ts). Heartbeats are not counted: thousands of idle clients answer them all the
 * time.
 */
export class Activity {
  received = 0;

  mark(): void {
    this.received++;
  }
}
