/** Tells the user, once hydrated, that this address cannot use the camera (not HTTPS). */
import { useEffect, useState } from "preact/hooks";
import { insecureOriginWarning } from "../lib/secure_context.ts";

export function SecureContextWarning() {
  const [warning, setWarning] = useState<string | null>(null);
  useEffect(() => setWarning(insecureOriginWarning(location, globalThis.isSecureContext)), []);
  return warning
    ? <p class="alert alert-warn" role="alert" data-testid="insecure-origin">{warning}</p>
    : null;
}
