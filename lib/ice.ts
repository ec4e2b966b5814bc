/** `GET /api/ice-servers`: what a call page configures its RTCPeerConnection with. */
export interface IceConfig {
  /** STUN first, then TURN ordered UDP, TCP, TLS (`turns:`), so a browser falls back in that order. */
  iceServers: RTCIceServer[];
  /** Seconds the TURN credentials stay valid. */
  ttl: number;
  /** `relay` forces every call through TURN. */
  iceTransportPolicy: RTCIceTransportPolicy;
}
