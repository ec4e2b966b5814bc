/** Sign-in page: a plain form (no JavaScript); the REST `POST /login` hands form posts to this handler. */
import { Header } from "../components/Header.tsx";
import { AppError } from "../server/domain/errors.ts";
import { signIn } from "../server/api/auth.ts";
import type { Handlers, PageProps } from "../server/fresh/types.ts";
import type { PageState } from "../server/pages.ts";

interface Data {
  error?: string;
  username?: string;
}

export const handler: Handlers<Data, PageState> = {
  GET(ctx) {
    return ctx.state.identity ? ctx.state.c.redirect("/", 303) : ctx.render({});
  },
  async POST(ctx) {
    const form = await ctx.req.formData().catch(() => new FormData());
    const username = String(form.get("username") ?? "").trim();
    const password = String(form.get("password") ?? "");
    if (!username || !password) {
      return ctx.render({ error: "Enter your username and password.", username }, { status: 400 });
    }
    try {
      await signIn(ctx.state.deps, ctx.state.c, username, password);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const error = e.code === "UNAUTHORIZED" ? "Invalid username or password." : e.message;
      return ctx.render({ error, username }, { status: e.status });
    }
    return ctx.state.c.redirect("/", 303);
  },
};

export default function Login({ data }: PageProps<Data>) {
  return (
    <>
      <Header />
      <main class="login">
        <form
          method="post"
          action="/login"
          class="card login-card"
          aria-describedby={data.error && "login-error"}
        >
          <h1>Sign in</h1>
          {data.error && <p id="login-error" class="alert alert-error" role="alert">{data.error}</p>}
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            autocomplete="username"
            required
            autofocus
            value={data.username ?? ""}
            autocapitalize="none"
          />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit" class="btn btn-primary">Sign in</button>
        </form>
      </main>
    </>
  );
}
