// The status-post API's bodies and answers (validated by the router and listed in /api/openapi.json),
// and the shape of a status page's JSON.
import { z } from "zod";
import { POST_STATES } from "../store/status-posts.js";
import { DAY_STATES } from "./day-bar.js";

const iso = z.string().describe("ISO 8601 time (UTC)");
const title = z.string().trim().min(1, { message: "give a title" }).max(200, { message: "a title of at most 200 characters" });
const message = z.string().trim().min(1, { message: "give a message: what happened, or what changed" }).max(5000, { message: "a message of at most 5,000 characters" });

export const createPostBody = z.strictObject({
  title,
  message,
  services: z.array(z.string().min(1)).default([]).describe("The services it concerns (shown on the pages that show them); none: every page"),
  state: z.enum(["investigating", "identified", "monitoring"]).default("investigating"),
});

export const updatePostBody = z.strictObject({
  message,
  state: z.enum(POST_STATES).default("monitoring").describe('"resolved" resolves the post'),
  title: title.optional().describe("A new title"),
});

export const resolvePostBody = z.strictObject({
  message: message.default("Resolved."),
});

const postUpdate = z.object({ at: iso, state: z.enum(POST_STATES), message: z.string(), by: z.string() });
export const postJson = z.object({
  id: z.number(), title: z.string(), services: z.array(z.string()), created_at: iso, updated_at: iso, resolved_at: iso.nullable(), created_by: z.string(),
  updates: z.array(postUpdate).describe("Oldest first"),
});
export const postResponse = z.object({ post: postJson });
export const postsResponse = z.object({ posts: z.array(postJson) });

const day = z.object({ date: z.string(), state: z.enum(DAY_STATES), uptime: z.number().nullable(), outage_ms: z.number(), failovers: z.number(), failover_at: z.array(iso), standby_ms: z.number().describe("Time served from a standby that day"), p50_ms: z.number().nullable().optional() });
const state = z.enum(["up", "degraded", "down", "maintenance", "unknown"]);
export const pageResponse = z.object({
  slug: z.string(), path: z.string(), title: z.string(), description: z.string().nullable(), logo: z.string().nullable(), footer: z.string().nullable(),
  generated_at: iso.describe("When this answer was built (it is cached for up to 30 s)"),
  overall: state,
  services: z.array(z.object({ name: z.string(), state, uptime_90d: z.number().nullable(), uptime_24h: z.number().nullable(), p50_ms: z.number().nullable().optional(), days: z.array(day).describe("90 UTC days, oldest first") })),
  incidents: z.array(z.object({ title: z.string(), services: z.array(z.string()), opened_at: iso, resolved_at: iso.nullable() })),
  posts: z.array(z.object({ id: z.number(), title: z.string(), services: z.array(z.string()), state: z.string(), created_at: iso, resolved_at: iso.nullable(), updates: z.array(z.object({ at: iso, state: z.string(), message: z.string() })).describe("Newest first") })),
  maintenance: z.array(z.object({ services: z.array(z.string()), start: iso, end: iso, now: z.boolean() })),
  pages: z.array(z.object({ title: z.string(), path: z.string() })),
});
