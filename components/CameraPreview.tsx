/** The own camera while a call rings: it is on, and this is what the other side will see. */
import { useEffect, useRef } from "preact/hooks";

export function CameraPreview({ stream, label }: { stream: MediaStream; label: string }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (video.current) video.current.srcObject = stream;
  }, [stream]);
  return (
    <figure class="camera-preview" data-testid="camera-preview">
      <video ref={video} autoplay muted playsInline aria-label={label} />
      <figcaption class="muted">{label}</figcaption>
    </figure>
  );
}
