/** OpenAPI description of users.ts's routes. */
import { createUserBody, passwordBody, usernameSchema } from "../../lib/protocol.ts";
import { expertsResponse, okResponse, publicUser, usersStatusResponse } from "../../lib/api_schemas.ts";
import type { RouteDoc } from "../openapi/route_doc.ts";

export const userDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/api/experts",
    tag: "users",
    summary: "Experts with their live availability",
    auth: "user",
    response: expertsResponse,
  },
  {
    method: "get",
    path: "/api/users/status",
    tag: "users",
    summary: "Every user with presence (Admin)",
    auth: "admin",
    response: usersStatusResponse,
  },
  {
    method: "post",
    path: "/api/users",
    tag: "users",
    summary: "Create a user (Admin)",
    auth: "admin",
    body: createUserBody,
    response: publicUser,
    errors: ["CONFLICT"],
  },
  {
    method: "delete",
    path: "/api/users/:username",
    tag: "users",
    summary: "Delete a user and end its sockets (Admin; not yourself)",
    auth: "admin",
    params: { username: usernameSchema },
    response: okResponse,
    errors: ["NOT_FOUND"],
  },
  {
    method: "put",
    path: "/api/users/:username/password",
    tag: "users",
    summary: "Set a user's password (Admin)",
    auth: "admin",
    params: { username: usernameSchema },
    body: passwordBody,
    response: publicUser,
    errors: ["NOT_FOUND"],
  },
];
