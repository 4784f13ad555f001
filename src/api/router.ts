// Declared routes: each is registered on the Hono app behind the auth guard for its access level, with
// its query and body validated by zod, and recorded so that /api/openapi.json is generated from the
// very schemas the handlers validate with. A route group is a function that receives a Router. Every
// route's body is limited (body.ts): DEFAULT_BODY_LIMIT unless the spec says less.
import type { Context, Hono, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { DEFAULT_BODY_LIMIT, declaredLimit, readBody, tooLarge } from "./body.js";
import type { ApiEnv } from "./env.js";

/** public: anyone; user: anyone logged in (logout); viewer: reads; operator: acts. */
export type Access = "public" | "user" | "viewer" | "operator";
export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface RouteSpec<Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: Method;
  /** Hono syntax: /api/services/:name/uptime */
  path: string;
  access: Access;
  summary: string;
  query?: Q;
  body?: B;
  /** The largest body this route takes, in bytes (default DEFAULT_BODY_LIMIT); more is a 413. */
  bodyLimit?: number;
  /** The 200 answer's JSON shape; absent for text, event streams and 204. */
  response?: z.ZodType;
  /** Content type of the 200 answer when it is not JSON. */
  produces?: string;
  /** Extra status codes this route answers, with a sentence each. */
  errors?: Record<number, string>;
}

export interface Input<Q extends z.ZodType, B extends z.ZodType> {
  query: z.output<Q>;
  body: z.output<B>;
}

export type Handler<Q extends z.ZodType, B extends z.ZodType> = (c: Context<ApiEnv>, input: Input<Q, B>) => Response | Promise<Response>;

export type Guard = (access: Access) => MiddlewareHandler<ApiEnv>;

function issues(error: z.ZodError) {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

export class Router {
  readonly specs: RouteSpec[] = [];

  constructor(private readonly app: Hono<ApiEnv>, private readonly guard: Guard) {}

  add<Q extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(spec: RouteSpec<Q, B>, handler: Handler<Q, B>): void {
    this.specs.push(spec as RouteSpec);
    const limit = spec.bodyLimit ?? DEFAULT_BODY_LIMIT;
    this.app.on(spec.method.toUpperCase(), spec.path, declaredLimit(limit), this.guard(spec.access), async (c) => {
      let query: unknown = undefined;
      if (spec.query) {
        const parsed = spec.query.safeParse(c.req.query());
        if (!parsed.success) return c.json({ error: "bad query", issues: issues(parsed.error) }, 400);
        query = parsed.data;
      }
      let body: unknown = undefined;
      if (spec.body) {
        const read = await readBody(c, limit);
        if (!read.ok) return tooLarge(c, limit);
        let raw: unknown;
        try {
          raw = read.text.trim() === "" ? {} : JSON.parse(read.text);
        } catch {
          return c.json({ error: "the body must be JSON" }, 400);
        }
        const parsed = spec.body.safeParse(raw);
        if (!parsed.success) return c.json({ error: "bad body", issues: issues(parsed.error) }, 400);
        body = parsed.data;
      }
      return handler(c, { query, body } as Input<Q, B>);
    });
  }
}
