/**
 * How many requests and client events the server has received: work that should wait for a lull (a full
 * garbage collection, server/quiet_gc.ts) waits until it stops moving. Heartbeats are not counted: thousands
 * of idle clients answer them all the time.
 */
export class Activity {
  received = 0;

  mark(): void {
    this.received++;
  }
}
