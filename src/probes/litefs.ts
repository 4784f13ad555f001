// The litefs kind: which node of a LiteFS cluster is the primary (the one that takes writes), and
// whether that is the node expected. Two ways to ask, as LiteFS offers them (github.com/superfly/litefs):
//   - `url`: its HTTP API (default port 20202), GET /info → { isPrimary, candidate, path,
//     primary: { hostname } } (http/server.go, litefs.go NodeInfo); an empty hostname on a replica
//     means it is connected to no primary.
//   - `mount`: the `.primary` file in its FUSE mount (fuse/primary_node.go), which holds the primary's
//     hostname and a newline, and exists only on a replica connected to a primary. Its absence means
//     "this node is the primary, or cannot reach one": the file cannot tell these apart, the API can.
//     A mount that is not a live FUSE mount (LiteFS stopped) would look the same, so it is checked first.
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { isAbsolute } from "node:path";
import { z } from "zod";
import { baseUrlSchema } from "./base-url.js";
import { defineProbe } from "./probe.js";
import type { ProbeContext, ProbeResult } from "./probe.js";
import { httpRequest } from "./http-request.js";
import { unescapeMountField } from "./mount-options.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

const apiUrl = baseUrlSchema("127.0.0.1:20202", "LiteFS's HTTP API (its http.addr)");
const mountDir = z
  .string()
  .describe('LiteFS\'s FUSE mount (its fuse.dir), e.g. "/litefs": the .primary file there is read.')
  .refine((path) => isAbsolute(path), { message: 'expected an absolute path such as "/litefs"' });

const litefsObjectSchema = z
  .strictObject({
    url: apiUrl.optional(),
    mount: mountDir.optional(),
    role: z.enum(["primary", "replica"]).optional().describe("The role this node must have: primary (takes writes) or replica."),
    primary: z.string().min(1).optional().describe("The hostname the primary must have (the primary's lease.hostname, by default its hostname)."),
  })
  .refine((spec) => (spec.url === undefined) !== (spec.mount === undefined), { message: "give exactly one of url (LiteFS's HTTP API) or mount (its FUSE directory)" });

export const litefsSchema = z
  .union([
    z
      .string()
      .describe('A FUSE mount ("/litefs") or the HTTP API ("127.0.0.1:20202").')
      .transform((text, ctx) => {
        const parsed = litefsObjectSchema.safeParse(isAbsolute(text) ? { mount: text } : { url: text });
        if (parsed.success) return parsed.data;
        for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: issue.message });
        return z.NEVER;
      }),
    litefsObjectSchema,
  ])
  .describe('A LiteFS primary check: the API address ("127.0.0.1:20202") or the FUSE mount ("/litefs"), or { url | mount, role, primary }.');

export type LitefsSpec = z.output<typeof litefsSchema>;

/** What the node says about the cluster. `primary` undefined: it knows no primary (or, from the file, cannot say). */
interface Observed {
  isPrimary: boolean | "unknown";
  primary: string | undefined;
  details: Record<string, unknown>;
}

type Asked = Observed | ProbeResult;

async function askApi(url: string, target: string, ctx: ProbeContext, elapsed: () => number): Promise<Asked> {
  const request = httpRequest({ url: `${url}/info`, method: "GET", headers: { accept: "application/json" }, tlsVerify: true, maxRedirects: 0, signal: ctx.signal });
  const outcome = await raceAbort(ctx.signal, request, () => undefined);
  if (outcome === undefined || ctx.signal.aborted) return timedOut(target, ctx, elapsed());
  if (!outcome.ok) return failed(outcome.failure.reason, `${target} failed: ${outcome.failure.text}; is LiteFS running with its HTTP API on this address?`, elapsed());
  const { status, body, headers } = outcome.response;
  if (status !== 200) return failed("status", `${target} answered ${status}, expected 200.`, elapsed(), { status });
  let info: { isPrimary?: unknown; candidate?: unknown; primary?: { hostname?: unknown } } | null;
  try {
    info = JSON.parse(body) as typeof info;
  } catch {
    info = null;
  }
  if (typeof info?.isPrimary !== "boolean") return failed("body", `${target} answered 200 without isPrimary; is this LiteFS's API?`, elapsed(), { status });
  const name = typeof info.primary?.hostname === "string" && info.primary.hostname !== "" ? info.primary.hostname : undefined;
  const details = { is_primary: info.isPrimary, primary: name, candidate: info.candidate, node_id: headers["litefs-id"], cluster_id: headers["litefs-cluster-id"] };
  return { isPrimary: info.isPrimary, primary: name, details };
}

/** True when `dir` is a FUSE mount point in mountinfo; undefined when mountinfo cannot be read. */
async function isFuseMount(dir: string, mountinfo: string): Promise<boolean | undefined> {
  try {
    const wanted = dir.replace(/(.)\/+$/, "$1");
    return (await readFile(mountinfo, "utf8")).split("\n").some((line) => {
      const fields = line.split(" ");
      const separator = fields.indexOf("-");
      return separator > 4 && unescapeMountField(fields[4]!) === wanted && (fields[separator + 1] ?? "").startsWith("fuse");
    });
  } catch {
    return undefined;
  }
}

async function readPrimaryFile(dir: string, target: string, mountinfo: string, elapsed: () => number): Promise<Asked> {
  const fuse = await isFuseMount(dir, mountinfo);
  if (fuse === false) return failed("not_mounted", `${target}: ${dir} is not a FUSE mount; is LiteFS running?`, elapsed());
  try {
    const name = (await readFile(`${dir.replace(/\/+$/, "")}/.primary`, "utf8")).trim();
    return { isPrimary: false, primary: name === "" ? undefined : name, details: { is_primary: false, primary: name } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { isPrimary: "unknown", primary: undefined, details: { is_primary: "primary or disconnected" } };
    const why = code === "ENOTCONN" ? "the FUSE mount is not connected (LiteFS has stopped)" : `${code ?? "error"}`;
    return failed("error", `${target}: cannot read ${dir}/.primary: ${why}.`, elapsed());
  }
}

/** Judges what the node said against `role` and `primary`. */
function judge(spec: LitefsSpec, target: string, seen: Observed, latencyMs: number): ProbeResult {
  const { details } = seen;
  if (seen.isPrimary === "unknown") {
    // No .primary file: by LiteFS's rule this node is the primary, unless it cannot reach one.
    const self = hostname();
    const said = `${target}: no .primary file, so this node (${self}) is the primary or cannot reach one (the HTTP API tells these apart)`;
    if (spec.role === "replica") return failed("role", `${said}; expected a replica following a primary.`, latencyMs, details);
    if (spec.primary !== undefined && spec.primary !== self) return failed("primary", `${said}; expected ${spec.primary} to be the primary.`, latencyMs, details);
    return passed(`${said}.`, latencyMs, details);
  }
  if (!seen.isPrimary && seen.primary === undefined) {
    return failed("no_primary", `${target}: this replica is connected to no primary; writes cannot be forwarded.`, latencyMs, details);
  }
  const role = seen.isPrimary ? "primary" : "replica";
  const said = seen.isPrimary ? `${target}: this node is the primary${seen.primary ? ` (${seen.primary})` : ""}` : `${target}: a replica of ${seen.primary}`;
  if (spec.role !== undefined && spec.role !== role) return failed("role", `${said}; expected it to be a ${spec.role}.`, latencyMs, details);
  if (spec.primary !== undefined && seen.primary !== spec.primary) return failed("primary", `${said}; expected ${spec.primary} to be the primary.`, latencyMs, details);
  return passed(`${said}.`, latencyMs, details);
}

export function createLitefsProbe(mountinfo = "/proc/self/mountinfo") {
  return defineProbe({
    kind: "litefs",
    schema: litefsSchema,
    describe: (spec) => (spec.url !== undefined ? `litefs ${spec.url}/info` : `litefs ${spec.mount}/.primary`),
    async run(spec, ctx) {
      const elapsed = stopwatch();
      const target = spec.url !== undefined ? `litefs ${spec.url}/info` : `litefs ${spec.mount}/.primary`;
      // A FUSE read can block in the kernel; the race lets the check settle on time regardless.
      const asked =
        spec.url !== undefined
          ? await askApi(spec.url, target, ctx, elapsed)
          : await raceAbort(ctx.signal, readPrimaryFile(spec.mount!, target, mountinfo, elapsed), () => timedOut(target, ctx, elapsed()));
      if ("ok" in asked) return asked;
      return judge(spec, target, asked, elapsed());
    },
  });
}

export const litefs = createLitefsProbe();
