/** Types of the Fresh-conventions layer: what route files export and what they receive. */
import type { ComponentType } from "preact";

export interface PageProps<Data = unknown, State = unknown> {
  url: URL;
  params: Record<string, string>;
  data: Data;
  state: State;
}

export interface FreshContext<Data = unknown, State = unknown> {
  req: Request;
  url: URL;
  params: Record<string, string>;
  state: State;
  /** Renders the route's page component with `data`. */
  render(data?: Data, init?: ResponseInit): Promise<Response>;
}

export type Handler<Data = unknown, State = unknown> = (
  ctx: FreshContext<Data, State>,
) => Response | Promise<Response>;

export type Handlers<Data = unknown, State = unknown> = Partial<
  Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", Handler<Data, State>>
>;

export interface RouteModule {
  // deno-lint-ignore no-explicit-any
  default?: ComponentType<PageProps<any, any>>;
  // deno-lint-ignore no-explicit-any
  handler?: Handler<any, any> | Handlers<any, any>;
}

/** `_app.tsx`: the document shell around every page. */
export interface AppProps<State = unknown> {
  Component: ComponentType;
  url: URL;
  state: State;
}

export interface AppModule {
  // deno-lint-ignore no-explicit-any
  default: ComponentType<AppProps<any>>;
}
