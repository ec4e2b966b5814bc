/** What a session description tells about the other side: its ICE generation and its DTLS identity. */

/** The ICE username fragment of an SDP (its first one: bundled m-lines share it). */
export function sdpUfrag(sdp: string | undefined): string | undefined {
  return sdp ? /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] : undefined;
}

/** The DTLS certificate fingerprint of an SDP: a new one means a new peer connection on the other side. */
export function sdpFingerprint(sdp: string | undefined): string | undefined {
  return sdp && /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim();
}
