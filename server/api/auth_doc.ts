/** OpenAPI description of auth.ts's routes. */
import { loginBody } from "../../lib/protocol.ts";
import { loginResponse, okResponse } from "../../lib/api_schemas.ts";
import type { RouteDoc } from "../openapi/route_doc.ts";

export const authDocs: RouteDoc[] = [
  {
    method: "post",
    path: "/login",
    tag: "auth",
    summary: "Sign in",
    description: "Answers a token and sets the HttpOnly session cookie. Logins are limited per client " +
      "address and per account (429 with Retry-After). A form post (the sign-in page) goes on to the page.",
    auth: "public",
    body: loginBody,
    response: loginResponse,
    errors: ["UNAUTHORIZED", "RATE_LIMITED"],
  },
  {
    method: "post",
    path: "/logout",
    tag: "auth",
    summary: "Sign out",
    description: "Revokes the token and ends the sockets opened with it; clears the session cookie.",
    auth: "user",
    response: okResponse,
  },
];
