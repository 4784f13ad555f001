// OpenAPI 3.1 for the declared routes, generated from their zod schemas (zod 4's toJSONSchema emits
// JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Path parameters come from the ":name" segments.
import { z } from "zod";
import type { RouteSpec } from "./router.js";

const schemaOf = (type: z.ZodType, io: "input" | "output") => z.toJSONSchema(type, { io, unrepresentable: "any" });

const ERROR = { description: "error", content: { "application/json": { schema: { type: "object", properties: { error: { type: "string" } }, required: ["error"] } } } };

export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

function operation(spec: RouteSpec) {
  const parameters: unknown[] = [...spec.path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => ({ name: match[1], in: "path", required: true, schema: { type: "string" } }));
  if (spec.query) {
    const schema = schemaOf(spec.query, "input") as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      parameters.push({ name, in: "query", required: schema.required?.includes(name) ?? false, schema: property });
    }
  }
  const ok = spec.response
    ? { description: "OK", content: { "application/json": { schema: schemaOf(spec.response, "output") } } }
    : spec.produces
      ? { description: "OK", content: { [spec.produces]: { schema: { type: "string" } } } }
      : { description: "OK" };
  const responses: Record<string, unknown> = { 200: ok };
  if (spec.query || spec.body) responses[400] = { ...ERROR, description: "bad query or body" };
  if (spec.access !== "public") responses[401] = { ...ERROR, description: "not logged in" };
  if (spec.access === "operator" || spec.method !== "get") responses[403] = { ...ERROR, description: "not an operator, or a missing x-csrf-token" };
  for (const [code, description] of Object.entries(spec.errors ?? {})) responses[code] = { ...ERROR, description };
  return {
    summary: spec.summary,
    ...(spec.access === "public" ? { security: [] } : { "x-role": spec.access === "operator" ? "operator" : "viewer" }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(spec.body, "input") } } } } : {}),
    responses,
  };
}

export function openApiDocument(specs: readonly RouteSpec[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) (paths[openApiPath(spec.path)] ??= {})[spec.method] = operation(spec);
  return {
    openapi: "3.1.0",
    info: { title: "Understudy agent API", version, description: "See src/api/CONTRACT.md. Writes with a session cookie need the x-csrf-token header." },
    components: {
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "understudy_session" },
        token: { type: "http", scheme: "bearer", description: "A token from `understudy token create`." },
      },
    },
    security: [{ session: [] }, { token: [] }],
    paths,
  };
}
