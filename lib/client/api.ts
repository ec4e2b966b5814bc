/** Same-origin REST calls from the browser (the session cookie authenticates). */
import type { ApiError } from "../protocol.ts";

export class ApiFailure extends Error {
  constructor(message: string, readonly code: string, readonly status: number) {
    super(message);
  }
}

export async function apiJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({})) as Partial<ApiError>;
  if (!res.ok) throw new ApiFailure(data.message ?? res.statusText, data.code ?? "INTERNAL", res.status);
  return data as T;
}

export async function logout(): Promise<void> {
  await apiJson("POST", "/logout").catch(() => {});
  location.assign("/login");
}
