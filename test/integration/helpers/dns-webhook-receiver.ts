// A local receiver for the webhook DNS provider: POST / takes { name, type, values, ttl } (checked:
// JSON content type, exactly those fields, their types) and keeps the record; GET /records?name=&type=
// answers { values, ttl } or 404. Both require the Authorization header the test configures.
import { startHttpServer } from "./http-server.js";

export interface DnsWebhookReceiver {
  url: string;
  readUrl: string;
  records: Map<string, { values: string[]; ttl: number }>;
  violations: string[];
  writes(): number;
  stop(): Promise<void>;
}

export async function startDnsWebhookReceiver(authorization: string, seed: Record<string, { values: string[]; ttl: number }>): Promise<DnsWebhookReceiver> {
  const records = new Map(Object.entries(seed));
  const violations: string[] = [];
  let writes = 0;
  const server = await startHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const reply = (status: number, body?: unknown) => {
        res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
        res.end(body === undefined ? "" : JSON.stringify(body));
      };
      if (req.headers.authorization !== authorization) return reply(401, { error: "unauthorized" });
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (req.method === "GET" && url.pathname === "/records") {
        const record = records.get(`${url.searchParams.get("name")} ${url.searchParams.get("type")}`);
        return record === undefined ? reply(404, { error: "no such record" }) : reply(200, record);
      }
      if (req.method !== "POST" || url.pathname !== "/") return reply(404, { error: "not found" });
      writes += 1;
      const problems: string[] = [];
      if (!String(req.headers["content-type"]).startsWith("application/json")) problems.push("content-type is not application/json");
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null") as Record<string, unknown> | null;
      if (body === null || Object.keys(body).sort().join(",") !== "name,ttl,type,values") problems.push(`body fields are ${Object.keys(body ?? {}).join(",")}, expected name, type, values, ttl`);
      else if (typeof body.name !== "string" || typeof body.type !== "string" || !Array.isArray(body.values) || typeof body.ttl !== "number") problems.push("body field types are wrong");
      violations.push(...problems);
      if (problems.length > 0 || body === null) return reply(400, { error: problems.join("; ") });
      records.set(`${String(body.name)} ${String(body.type)}`, { values: body.values as string[], ttl: body.ttl as number });
      reply(204);
    });
  });
  return { url: `${server.url}/`, readUrl: `${server.url}/records`, records, violations, writes: () => writes, stop: server.stop };
}
