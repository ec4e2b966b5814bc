/**
 * Checks an uploaded image before it is stored: a declared type we accept (JPEG, PNG, WebP), magic
 * bytes of that same type, and the dimensions read from its header within the configured maximum.
 */
import { imageSize } from "image-size";
import { isSnapshotType, SNAPSHOT_TYPES, type SnapshotType } from "../../lib/snapshots.ts";
import { AppError } from "./errors.ts";

export interface ImageLimits {
  snapshotBytes: number;
  snapshotMaxSide: number;
}

export interface ImageInfo {
  type: SnapshotType;
  width: number;
  height: number;
}

/** Unsupported Media Type: the code stays BAD_REQUEST (the protocol's list), the status says why. */
const unsupported = (message: string) => new AppError("BAD_REQUEST", message, 415);

/** The declared Content-Type, without parameters, when it is one we accept; else 415. */
export function acceptedType(contentType: string | undefined): SnapshotType {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (!isSnapshotType(type)) {
    throw unsupported(`Content-Type must be one of ${Object.keys(SNAPSHOT_TYPES).join(", ")}`);
  }
  return type;
}

export function inspectImage(bytes: Uint8Array, declared: SnapshotType, limits: ImageLimits): ImageInfo {
  if (bytes.byteLength === 0) throw new AppError("BAD_REQUEST", "The image is empty");
  if (bytes.byteLength > limits.snapshotBytes) {
    throw new AppError("PAYLOAD_TOO_LARGE", `An image may have at most ${limits.snapshotBytes} bytes`);
  }
  let found: { type?: string; width?: number; height?: number };
  try {
    found = imageSize(bytes);
  } catch {
    throw unsupported(`The body is not a ${declared} image`);
  }
  if (found.type !== SNAPSHOT_TYPES[declared]) {
    throw unsupported(`The body is ${found.type ?? "not an image"}, not ${declared}`);
  }
  const { width = 0, height = 0 } = found;
  if (width < 1 || height < 1) throw new AppError("BAD_REQUEST", "The image has no size");
  if (width > limits.snapshotMaxSide || height > limits.snapshotMaxSide) {
    throw new AppError(
      "LIMIT_EXCEEDED",
      `The image is ${width}×${height}; at most ${limits.snapshotMaxSide} pixels per side`,
    );
  }
  return { type: declared, width, height };
}
