// The `status_pages` config key (wired into src/config/schema.ts): public status pages beyond the
// default one at /status (which shows every service marked `public: true`). Each page lists its own
// services and is served at /status/<slug> (or at `path`, which may be /status itself to replace the
// default page):
//   status_pages:
//     - slug: lab
//       title: Lab status
//       description: Services of the home lab.
//       logo: https://example.org/logo.svg
//       footer: Run by Ada. Questions? ada@example.org
//       services: [headscale, nginx]
//       show_response_time: true
// Cross-field rules (services exist, slugs and paths unique) are in ./rules.ts.
import { z } from "zod";

export const SLUG = /^[a-z0-9][a-z0-9_-]*$/;
export const PAGE_PATH = /^\/status(\/[a-z0-9][a-z0-9_-]*)?$/;

const pageSchema = z
  .strictObject({
    slug: z.string().regex(SLUG, { message: 'a slug: lower-case letters, digits, "_" and "-", starting with a letter or digit ("lab")' }).describe("The page's name in its address: /status/<slug>."),
    path: z.string().regex(PAGE_PATH, { message: 'a path "/status" or "/status/<name>" (lower-case letters, digits, "_", "-")' }).optional().describe('Where the page is served; default /status/<slug>. "/status" replaces the default page.'),
    title: z.string().min(1).max(120).default("Status").describe("The page's heading and window title."),
    description: z.string().max(2000).optional().describe("A paragraph under the title."),
    logo: z.string().regex(/^(https?:\/\/|\/)[^\s"'<>]*$/, { message: 'an image URL: "https://…" or a path on this server ("/logo.svg")' }).optional().describe("An image shown beside the title (an https URL or a path on this server)."),
    footer: z.string().max(2000).optional().describe("Text at the foot of the page (plain text; URLs become links)."),
    services: z.array(z.string().min(1)).min(1, { message: "list at least one service to show" }).describe("The services shown, in this order (names from services:)."),
    show_response_time: z.boolean().default(false).describe("Show each service's median response time (and allow its response-time badge)."),
  })
  .describe("A public status page: its address, heading and the services it shows (names and health only; never hosts or addresses).");

export const statusPagesSchema = z.array(pageSchema).default([]).describe("Public status pages besides /status (which shows the services marked public: true).");

export type StatusPageDocument = z.output<typeof pageSchema>;
