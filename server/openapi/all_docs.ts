/** Every route's description, in the order of the document. */
import { authDocs } from "../api/auth_doc.ts";
import { callDocs } from "../api/calls_doc.ts";
import { snapshotDocs } from "../api/snapshots_doc.ts";
import { systemDocs } from "../api/system_doc.ts";
import { userDocs } from "../api/users_doc.ts";
import { metricsDocs } from "../metrics/http_doc.ts";
import type { RouteDoc } from "./route_doc.ts";
import { docsDocs } from "./routes_doc.ts";

export const allRouteDocs: RouteDoc[] = [
  ...authDocs,
  ...callDocs,
  ...snapshotDocs,
  ...userDocs,
  ...systemDocs,
  ...metricsDocs,
  ...docsDocs,
];
