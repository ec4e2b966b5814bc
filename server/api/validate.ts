/**
 * Request validation declared on the route: `validJson(schema)`, `validParam({ name: schema })` and
 * `validQuery(schema)` parse with parseOrThrow before the handler runs, so bad input is BAD_REQUEST
 * `{message, code}` and never reaches the handler, which reads the result with `c.req.valid("json")`,
 * `c.req.valid("param")` or `c.req.valid("query")`, typed from the schema. Each middleware keeps the schemas
 * it applies (`schemas`), so a test can hold the OpenAPI descriptions (`*_doc.ts`) to the same objects.
 */
import type { Context, MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";
import { AppError, parseOrThrow } from "../domain/errors.ts";

/** What a validator applies, by target: the body or query schema, or one schema per path parameter. */
export type Validated =
  | { target: "json" | "query"; schema: z.ZodType }
  | { target: "param"; params: Record<string, z.ZodType> };

type WithSchemas<M> = M & { schemas: Validated };

/**
 * The JSON body, read whatever its Content-Type (as the API always has): empty is `{}`, malformed is
 * "Body is not valid JSON". Hono's own `json` target would ignore a body sent without a JSON Content-Type
 * and answer malformed JSON in its own words, so this one reads the text itself.
 * `unless`: requests it lets through unread (the login page's form posts).
 */
export function validJson<S extends z.ZodType>(
  schema: S,
  opts: { unless?: (c: Context) => boolean } = {},
): WithSchemas<
  MiddlewareHandler<
    // deno-lint-ignore no-explicit-any
    any,
    string,
    { in: { json: z.input<S> }; out: { json: z.output<S> } }
  >
> {
  const mw: MiddlewareHandler = async (c, next) => {
    if (opts.unless?.(c)) return await next();
    const text = await c.req.text();
    let value: unknown = {};
    if (text.trim() !== "") {
      try {
        value = JSON.parse(text);
      } catch {
        throw new AppError("BAD_REQUEST", "Body is not valid JSON");
      }
    }
    c.req.addValidatedData("json", parseOrThrow<z.output<S>>(schema, value) as object);
    await next();
  };
  return Object.assign(mw, { schemas: { target: "json", schema } as const });
}

/**
 * Path parameters, each parsed on its own (so a message reads as it did when handlers parsed them, e.g.
 * "payload: Too big: …"), in the order given. Parameters not named are left unchecked.
 */
export function validParam<T extends Record<string, z.ZodType>>(params: T) {
  const mw = validator("param", (value: Record<string, string>) => {
    const out: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(params)) out[name] = parseOrThrow(schema, value[name]);
    return out as { [K in keyof T]: z.output<T[K]> };
  });
  return Object.assign(mw, { schemas: { target: "param", params } as const });
}

/** The query string as `c.req.query()` gives it (one value per name, as handlers read it). */
export function validQuery<S extends z.ZodType>(schema: S) {
  const mw = validator("query", (_value, c) => parseOrThrow<z.output<S>>(schema, c.req.query()));
  return Object.assign(mw, { schemas: { target: "query", schema } as const });
}
