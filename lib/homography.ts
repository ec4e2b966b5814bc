/** 3×3 homographies (row-major arrays of 9 numbers) between normalised frame coordinates. */
export type Mat3 = number[];

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function mul(a: Mat3, b: Mat3): Mat3 {
  const r = new Array(9).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
    }
  }
  return r;
}

export function invert(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

export function apply(m: Mat3, x: number, y: number): [number, number] {
  const z = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / z, (m[3] * x + m[4] * y + m[5]) / z];
}

/** `m` (pixels of a w×h frame on both sides) expressed in normalised [0, 1] coordinates. */
export function normalize(m: Mat3, w: number, h: number): Mat3 {
  return mul(mul([1 / w, 0, 0, 0, 1 / h, 0, 0, 0, 1], m), [w, 0, 0, 0, h, 0, 0, 0, 1]);
}

/** True when every entry is a finite number and the matrix is invertible. */
export function isValid(m: readonly number[]): boolean {
  if (m.length !== 9 || !m.every(Number.isFinite)) return false;
  const det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6]);
  return Math.abs(det) > 1e-9;
}
