import type { Me } from "../lib/history.ts";

/** Top bar with the signed-in user and a sign-out form (works without JavaScript). */
export function Header({ me }: { me?: Me }) {
  return (
    <header class="topbar">
      <a class="brand" href="/">MobiMaint</a>
      {me && (
        <div class="topbar-user">
          <span>
            {me.username} <span class="role">{me.role}</span>
          </span>
          <form method="post" action="/logout">
            <button type="submit" class="btn btn-quiet">Sign out</button>
          </form>
        </div>
      )}
    </header>
  );
}
