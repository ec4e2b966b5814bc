/** A page's signaling socket as a Preact hook: connects on mount, closes on unmount. */
import { useEffect, useRef } from "preact/hooks";
import { useSignal } from "@preact/signals";
import { connectSignaling, type SignalingSocket } from "./signaling.ts";

export function useSignaling(userId: string, setup: (socket: SignalingSocket) => void) {
  const ref = useRef<SignalingSocket | null>(null);
  const connected = useSignal(false);
  useEffect(() => {
    const socket = connectSignaling(userId);
    ref.current = socket;
    socket.on("connect", () => connected.value = true);
    socket.on("disconnect", () => connected.value = false);
    setup(socket);
    return () => socket.close();
  }, []);
  return { socket: ref, connected };
}
