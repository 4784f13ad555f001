// A status post as the API and `understudy status-post list --format json` print it (for operators:
// it names who wrote each update; the public pages leave that out).
import type { StatusPost } from "../store/status-posts.js";

const iso = (at: number) => new Date(at).toISOString();

export function postJson(post: StatusPost) {
  return {
    id: post.id, title: post.title, services: [...post.services], created_at: iso(post.createdAt), updated_at: iso(post.updatedAt),
    resolved_at: post.resolvedAt === undefined ? null : iso(post.resolvedAt), created_by: post.createdBy,
    updates: post.updates.map((update) => ({ at: iso(update.at), state: update.state, message: update.message, by: update.by })),
  };
}
