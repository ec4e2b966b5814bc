/**
 * What an unknown address answers: a page for a browser (it asked for HTML), the API's
 * `{message, code}` for everything else (REST clients, the CLI, `/api/...`).
 */
import type { Context } from "hono";

export function wantsPage(c: Context): boolean {
  const path = c.req.path;
  if (path.startsWith("/api/") || path.startsWith("/socket.io/")) return false;
  if (c.req.method !== "GET" && c.req.method !== "HEAD") return false;
  return (c.req.header("accept") ?? "").includes("text/html");
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#0f172a">
<title>Page not found · MobiMaint</title>
<link rel="stylesheet" href="/styles.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="manifest" href="/manifest.webmanifest">
</head>
<body>
<header class="topbar"><a class="brand" href="/">MobiMaint</a></header>
<main class="home">
<section class="card" data-testid="not-found">
<h1>Page not found</h1>
<p>There is nothing at this address. It may have been mistyped, or the link is out of date.</p>
<a class="btn btn-primary" href="/">Go to the home page</a>
</section>
</main>
</body>
</html>`;

export function notFoundPage(c: Context): Response {
  return c.html(PAGE, 404);
}
