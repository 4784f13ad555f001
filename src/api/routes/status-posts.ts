// Incident posts for the public status pages, written by a person: listed by viewers, created, updated
// and resolved by operators (a session with CSRF, or a bearer token as `understudy status-post` uses).
// A post may name only services that exist; it shows on the pages that show one of them (none: every page).
import type { Context } from "hono";
import { createPost, getPost, listPosts, updatePost } from "../../store/status-posts.js";
import { postJson } from "../../status-page/post-json.js";
import { createPostBody, postResponse, postsResponse, resolvePostBody, updatePostBody } from "../../status-page/api-schemas.js";
import type { ApiDeps } from "../deps.js";
import type { ApiEnv } from "../env.js";
import type { Router } from "../router.js";
import { sendError, sendJson } from "../respond.js";

function idOf(c: Context<ApiEnv>): number | undefined {
  const id = Number(c.req.param("id"));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export function statusPostRoutes(router: Router, deps: ApiDeps, changed: () => void): void {
  router.add({ method: "get", path: "/api/status-posts", access: "viewer", summary: "Status posts written by people, newest first", response: postsResponse }, (c) =>
    sendJson(c, { posts: listPosts(deps.store).map(postJson) }));

  router.add({ method: "post", path: "/api/status-posts", access: "operator", summary: "Post an incident on the public status pages", body: createPostBody, response: postResponse, errors: { 400: "an unknown service" } }, (c, { body }) => {
    const known = [...deps.topology().services.keys()];
    const unknown = body.services.filter((name) => !known.includes(name));
    if (unknown.length > 0) return sendError(c, 400, `unknown service${unknown.length === 1 ? "" : "s"} ${unknown.map((name) => `"${name}"`).join(", ")}; services are: ${known.sort().join(", ")}`);
    const post = createPost(deps.store, { ...body, by: c.get("identity")!.name, at: deps.clock.now() });
    changed();
    return sendJson(c, { post: postJson(post) });
  });

  const change = (c: Context<ApiEnv>, update: { message: string; state: "investigating" | "identified" | "monitoring" | "resolved"; title?: string | undefined }) => {
    const id = idOf(c);
    if (id === undefined) return sendError(c, 404, `no status post "${c.req.param("id")}"`);
    const result = updatePost(deps.store, id, { ...update, by: c.get("identity")!.name, at: deps.clock.now() });
    if (!result.ok) return sendError(c, result.reason === "not-found" ? 404 : 409, result.message);
    changed();
    return sendJson(c, { post: postJson(result.post) });
  };

  router.add({ method: "get", path: "/api/status-posts/:id", access: "viewer", summary: "One status post with its updates", response: postResponse, errors: { 404: "no such post" } }, (c) => {
    const id = idOf(c);
    const post = id === undefined ? undefined : getPost(deps.store, id);
    return post ? sendJson(c, { post: postJson(post) }) : sendError(c, 404, `no status post "${c.req.param("id")}"`);
  });
  router.add({ method: "post", path: "/api/status-posts/:id/updates", access: "operator", summary: "Add an update to a status post (state resolved resolves it)", body: updatePostBody, response: postResponse, errors: { 404: "no such post", 409: "the post is resolved" } }, (c, { body }) =>
    change(c, { message: body.message, state: body.state, title: body.title }));
  router.add({ method: "post", path: "/api/status-posts/:id/resolve", access: "operator", summary: "Resolve a status post", body: resolvePostBody, response: postResponse, errors: { 404: "no such post", 409: "the post is resolved" } }, (c, { body }) =>
    change(c, { message: body.message, state: "resolved" }));
}
