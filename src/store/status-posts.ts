// Incident posts written by a person for the public status pages: a title, the services it concerns
// (none: every page), and updates in order (investigating → identified → monitoring → resolved). A post is
// resolved by an update in state "resolved"; a resolved post takes no more updates. Expected refusals
// (no such post, already resolved) are values, not exceptions.
import type { Store } from "./db.js";

export const POST_STATES = ["investigating", "identified", "monitoring", "resolved"] as const;
export type PostState = (typeof POST_STATES)[number];

export interface PostUpdate {
  readonly at: number;
  readonly state: PostState;
  readonly message: string;
  readonly by: string;
}

export interface StatusPost {
  readonly id: number;
  readonly title: string;
  readonly services: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly resolvedAt: number | undefined;
  readonly createdBy: string;
  /** Oldest first. */
  readonly updates: readonly PostUpdate[];
}

export type PostResult = { ok: true; post: StatusPost } | { ok: false; reason: "not-found" | "resolved"; message: string };

interface PostRow { id: number; title: string; services: string; created_at: number; updated_at: number; resolved_at: number | null; created_by: string }

function toPost(store: Store, row: PostRow): StatusPost {
  const updates = store.statement("SELECT at, state, message, by FROM status_post_updates WHERE post_id = ? ORDER BY at, id").all(row.id) as PostUpdate[];
  return {
    id: row.id, title: row.title, services: JSON.parse(row.services) as string[], createdAt: row.created_at, updatedAt: row.updated_at,
    resolvedAt: row.resolved_at ?? undefined, createdBy: row.created_by, updates,
  };
}

export function getPost(store: Store, id: number): StatusPost | undefined {
  const row = store.statement("SELECT * FROM status_posts WHERE id = ?").get(id) as PostRow | undefined;
  return row ? toPost(store, row) : undefined;
}

export interface NewPost {
  title: string;
  message: string;
  services?: readonly string[];
  state?: Exclude<PostState, "resolved">;
  by: string;
  at: number;
}

export function createPost(store: Store, post: NewPost): StatusPost {
  const id = store.db.transaction(() => {
    const info = store.statement("INSERT INTO status_posts (title, services, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, ?)")
      .run(post.title, JSON.stringify([...new Set(post.services ?? [])].sort()), post.at, post.at, post.by);
    const id = Number(info.lastInsertRowid);
    store.statement("INSERT INTO status_post_updates (post_id, at, state, message, by) VALUES (?, ?, ?, ?, ?)").run(id, post.at, post.state ?? "investigating", post.message, post.by);
    return id;
  })();
  return getPost(store, id)!;
}

export interface PostChange {
  message: string;
  state: PostState;
  title?: string;
  by: string;
  at: number;
}

/** Adds an update (a "resolved" one resolves the post); refused for a missing or resolved post. */
export function updatePost(store: Store, id: number, change: PostChange): PostResult {
  const found = getPost(store, id);
  if (!found) return { ok: false, reason: "not-found", message: `no status post #${id}; list them with \`understudy status-post list\`` };
  if (found.resolvedAt !== undefined) return { ok: false, reason: "resolved", message: `status post #${id} was resolved at ${new Date(found.resolvedAt).toISOString()}; create a new post instead` };
  store.db.transaction(() => {
    store.statement("INSERT INTO status_post_updates (post_id, at, state, message, by) VALUES (?, ?, ?, ?, ?)").run(id, change.at, change.state, change.message, change.by);
    store.statement("UPDATE status_posts SET updated_at = ?, title = coalesce(?, title), resolved_at = ? WHERE id = ?")
      .run(change.at, change.title ?? null, change.state === "resolved" ? change.at : null, id);
  })();
  return { ok: true, post: getPost(store, id)! };
}

export interface PostFilter {
  /** Posts open at or after this time (unresolved, or resolved since). */
  since?: number;
}

/** Posts, newest first. */
export function listPosts(store: Store, filter: PostFilter = {}): StatusPost[] {
  const rows = (filter.since === undefined
    ? store.statement("SELECT * FROM status_posts ORDER BY created_at DESC, id DESC").all()
    : store.statement("SELECT * FROM status_posts WHERE resolved_at IS NULL OR resolved_at >= ? ORDER BY created_at DESC, id DESC").all(filter.since)) as PostRow[];
  return rows.map((row) => toPost(store, row));
}
