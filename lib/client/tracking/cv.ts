/** The parts of jsfeat (npm, untyped) the tracker uses, with types. */
import jsfeatModule from "jsfeat";

export interface Matrix<D = Uint8Array> {
  cols: number;
  rows: number;
  data: D;
}
export interface Pyramid {
  levels: number;
  data: Matrix[];
  allocate(w: number, h: number, type: number): void;
  build(input: Matrix, skipFirstLevel?: boolean): void;
}
export interface Keypoint {
  x: number;
  y: number;
  score: number;
  level: number;
  angle: number;
}
export interface XY {
  x: number;
  y: number;
}
interface Jsfeat {
  U8_t: number;
  S32_t: number;
  F32_t: number;
  C1_t: number;
  U8C1_t: number;
  F32C1_t: number;
  S32C2_t: number;
  matrix_t: new <D = Uint8Array>(cols: number, rows: number, type: number, data?: unknown) => Matrix<D>;
  pyramid_t: new (levels: number) => Pyramid;
  keypoint_t: new (x?: number, y?: number, score?: number, level?: number, angle?: number) => Keypoint;
  imgproc: {
    gaussian_blur(src: Matrix, dst: Matrix, kernelSize: number, sigma?: number): void;
    scharr_derivatives(src: Matrix, dst: Matrix<Int32Array>): void;
  };
  fast_corners: {
    set_threshold(t: number): number;
    detect(src: Matrix, corners: Keypoint[], border?: number): number;
  };
  orb: { describe(src: Matrix, corners: Keypoint[], count: number, descriptors: Matrix): void };
  motion_model: { homography2d: new () => unknown };
}

export const cv = jsfeatModule as unknown as Jsfeat;
