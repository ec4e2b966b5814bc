/**
 * Who opens a call's WebRTC negotiation and never yields on a collision (perfect negotiation's impolite
 * side): the call's first participant, its creator. Everyone else, participants and users being rung,
 * answers and yields. Taken from the call's participant list, not from roles, so a call with more members
 * needs no new rule: between two later members, the one earlier in the list would open.
 */
export function opensNegotiation(members: readonly string[], me: string): boolean {
  return members[0] === me;
}
