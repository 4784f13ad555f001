// `understudy status-post create|update|resolve|list`: incident posts written by a person for the public
// status pages, kept in the agent's store (the same rows the API's /api/status-posts writes). Pages show a
// new post within 30 s (their cache); the dashboard's API shows it at once.
import { dirname, resolve } from "node:path";
import { userInfo } from "node:os";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { openStore, type Store } from "../store/db.js";
import { createPost, listPosts, POST_STATES, updatePost, type PostState, type StatusPost } from "../store/status-posts.js";
import { postJson } from "../status-page/post-json.js";
import { terminalWidth, UsageError, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags, parseFormat } from "./options.js";
import { tableFor } from "./table.js";

export const usage = `Usage: understudy status-post create --title TEXT --message TEXT [--service NAME]... [--state STATE]
       understudy status-post update ID --message TEXT [--state STATE] [--title TEXT]
       understudy status-post resolve ID [--message TEXT]
       understudy status-post list [--format table|json|markdown]
       (each takes [--config FILE])

  Incident posts on the public status pages, beside the incidents the agent detects. A post concerns
  the services given with --service (it shows on the pages that show one of them) or, without any,
  every page. STATE is investigating, identified, monitoring or resolved; an update in state resolved
  (or resolve) closes the post. Pages show a change within 30 s.`;

const OPTIONS = {
  ...CONFIG_OPTION,
  title: { type: "string" }, message: { type: "string", short: "m" }, service: { type: "string", multiple: true },
  state: { type: "string" }, format: { type: "string", short: "f" },
} as const;

function stateOf(value: string | undefined, fallback: PostState, allowed: readonly string[] = POST_STATES): PostState {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw new UsageError(`--state must be one of ${allowed.join(", ")}, got "${value}"`, usage);
  return value as PostState;
}

function idOf(text: string | undefined, action: string): number {
  if (text === undefined) throw new UsageError(`status-post ${action} needs the post's ID (see status-post list)`, usage);
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`a post ID is a whole number (see status-post list), got "${text}"`, usage);
  return id;
}

function required(value: string | undefined, flag: string, action: string): string {
  if (value === undefined || value.trim() === "") throw new UsageError(`status-post ${action} needs ${flag} TEXT`, usage);
  return value.trim();
}

function shown(post: StatusPost): string {
  const last = post.updates.at(-1);
  return `#${post.id} ${post.title} [${last?.state ?? "investigating"}]${post.services.length > 0 ? ` (${post.services.join(", ")})` : " (every page)"}`;
}

export async function statusPost(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, OPTIONS, usage, true);
  const [action, ...rest] = positionals;
  if (action === undefined || !["create", "update", "resolve", "list"].includes(action)) {
    throw new UsageError(action === undefined ? "say what to do: create, update, resolve or list" : `unknown action "${action}"; use create, update, resolve or list`, usage);
  }
  if (rest.length > (action === "update" || action === "resolve" ? 1 : 0)) throw new UsageError(`too many arguments for status-post ${action}`, usage);
  const file = configPath(values.config, io.env);
  const { topology } = loadTopology(file);
  const by = io.env.USER ?? io.env.LOGNAME ?? userInfo().username;
  const store: Store = openStore(storePathIn(resolveDataDir(topology.agents.data_dir, io.env, dirname(resolve(file)))));
  try {
    const at = Date.now();
    if (action === "list") {
      const format = parseFormat(values.format, usage);
      const posts = listPosts(store);
      if (format === "json") writeLine(io.stdout, JSON.stringify({ posts: posts.map(postJson) }, null, 2));
      else if (posts.length === 0) writeLine(io.stdout, "No status posts yet.");
      else {
        const table = tableFor(format, format === "markdown" ? Infinity : terminalWidth(io));
        writeLine(io.stdout, table(["ID", "Title", "State", "Services", "Created", "Resolved"], posts.map((post) => [
          String(post.id), post.title, post.updates.at(-1)?.state ?? "investigating", post.services.join(", ") || "(every page)",
          new Date(post.createdAt).toISOString().slice(0, 16).replace("T", " "), post.resolvedAt === undefined ? "—" : new Date(post.resolvedAt).toISOString().slice(0, 16).replace("T", " "),
        ])));
      }
      return 0;
    }
    if (action === "create") {
      const services = values.service ?? [];
      const unknown = services.filter((name) => !topology.services.has(name));
      if (unknown.length > 0) throw new UsageError(`unknown service${unknown.length === 1 ? "" : "s"} ${unknown.map((name) => `"${name}"`).join(", ")}; services are: ${[...topology.services.keys()].sort().join(", ")}`, usage);
      const state = stateOf(values.state, "investigating", ["investigating", "identified", "monitoring"]) as Exclude<PostState, "resolved">;
      const post = createPost(store, { title: required(values.title, "--title", action), message: required(values.message, "--message", action), services, state, by, at });
      writeLine(io.stdout, `Posted ${shown(post)}.`);
      return 0;
    }
    const id = idOf(rest[0], action);
    const result = action === "resolve"
      ? updatePost(store, id, { state: "resolved", message: values.message?.trim() || "Resolved.", by, at })
      : updatePost(store, id, { state: stateOf(values.state, "monitoring"), message: required(values.message, "--message", action), ...(values.title ? { title: values.title.trim() } : {}), by, at });
    if (!result.ok) {
      writeLine(io.stderr, `understudy: ${result.message}`);
      return 1;
    }
    writeLine(io.stdout, `${action === "resolve" ? "Resolved" : "Updated"} ${shown(result.post)}.`);
    return 0;
  } finally {
    store.close();
  }
}
