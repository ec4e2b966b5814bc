/**
 * A still from this device's own camera at the track's full resolution (never the received video):
 * ImageCapture.grabFrame where the browser has it, else the local track drawn to a canvas at its
 * native size. Encoded as JPEG.
 */

interface ImageCaptureLike {
  grabFrame(): Promise<ImageBitmap>;
}
type ImageCaptureCtor = new (track: MediaStreamTrack) => ImageCaptureLike;

export const STILL_TYPE = "image/jpeg";
const QUALITY = 0.9;

function toBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => b ? resolve(b) : reject(new Error("the still could not be encoded")),
      STILL_TYPE,
      QUALITY,
    )
  );
}

function canvasOf(width: number, height: number, draw: (ctx: CanvasRenderingContext2D) => void) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  draw(canvas.getContext("2d")!);
  return canvas;
}

/** A video element playing only `track`, once it has a frame. */
async function playing(track: MediaStreamTrack): Promise<HTMLVideoElement> {
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  await video.play();
  if (!video.videoWidth) await new Promise((r) => video.addEventListener("loadeddata", r, { once: true }));
  return video;
}

export async function captureStill(
  track: MediaStreamTrack,
): Promise<{ blob: Blob; width: number; height: number }> {
  if (track.readyState !== "live") throw new Error("The camera is not running");
  const IC = (globalThis as { ImageCapture?: ImageCaptureCtor }).ImageCapture;
  if (IC) {
    try {
      const frame = await new IC(track).grabFrame();
      const canvas = canvasOf(frame.width, frame.height, (ctx) => ctx.drawImage(frame, 0, 0));
      frame.close();
      return { blob: await toBlob(canvas), width: canvas.width, height: canvas.height };
    } catch { /* e.g. the track is disabled (camera off): fall back to the element path */ }
  }
  const video = await playing(track);
  try {
    const { videoWidth: w, videoHeight: h } = video;
    const canvas = canvasOf(w, h, (ctx) => ctx.drawImage(video, 0, 0, w, h));
    return { blob: await toBlob(canvas), width: w, height: h };
  } finally {
    video.srcObject = null;
  }
}
