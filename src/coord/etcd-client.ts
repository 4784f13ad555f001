// The Etcd contract (etcd-api.ts) over etcd's v3 JSON gRPC gateway (POST <client URL>/v3/...), with
// node:http/https only: no gRPC stack and no third-party client (the etcd3 package is dormant).
//
// Decisions:
// - Endpoints: requests stick to the member that answered last; a member that refuses, times out,
//   answers "unavailable" (no leader, leader changed) or answers something that is not etcd is skipped
//   for the next one, each endpoint once per request. A request that timed out may still have been
//   applied: put/delete are idempotent, txn is guarded by its compares, a duplicate lease grant expires
//   on its own, so retrying elsewhere is safe for what Understudy sends.
// - Auth: username/password are exchanged for a token on first use; an "invalid auth token" answer
//   (the token expired or the member restarted) re-authenticates once and retries.
// - Streams (lease keepalive, watch) are the gateway's bidirectional streams driven by one request
//   message; keepalive reads the first answer and drops the connection.
// - close() aborts every request and watch and destroys the keep-alive agents: no socket outlives it.
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import type { Compare, Etcd, EtcdConnection, KeyValue, Operation, TxnResult, WatchEvent } from "./etcd-api.js";
import { EtcdError } from "./etcd-api.js";
import { startWatch } from "./etcd-watch.js";
import type { StreamHandle, WatchTransport } from "./etcd-watch.js";
import type { WireHeader, WireKeyValue } from "./etcd-wire.js";
import { JsonStreamSplitter, encode, int, keyRange, toKeyValue, toWireCompare, toWireOperation } from "./etcd-wire.js";
import { describeSecretRef } from "../config/secret.js";

const DEFAULT_TIMEOUT_MS = 2_000;
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAVAILABLE = 14;
const GRPC_UNAUTHENTICATED = 16;
const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO/i;

/** A failure to get an answer from one endpoint: the next one may do better. */
class EndpointFailure extends Error {
  constructor(message: string, readonly kind: "timeout" | "unreachable" | "tls" | "request") {
    super(message);
  }
}

interface GrpcError {
  code: number;
  message: string;
}

function grpcError(json: unknown): GrpcError | undefined {
  if (typeof json !== "object" || json === null || !("error" in json)) return undefined;
  const error = (json as { error: unknown; code?: number; message?: string }).error;
  if (typeof error === "string") return { code: (json as { code?: number }).code ?? 2, message: (json as { message?: string }).message ?? error };
  if (typeof error === "object" && error !== null) {
    const inner = error as { grpc_code?: number; message?: string };
    return { code: inner.grpc_code ?? 2, message: inner.message ?? JSON.stringify(error) };
  }
  return undefined;
}

export class EtcdClient implements Etcd {
  readonly endpoints: string[];
  private readonly timeoutMs: number;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent: https.Agent;
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly watches = new Set<() => void>();
  private current = 0;
  private token: string | undefined;
  private closed = false;

  constructor(private readonly connection: EtcdConnection) {
    if (connection.endpoints.length === 0) throw new EtcdError("etcd: no endpoints given; list the members' client URLs in agents.coordination.etcd.endpoints", "request");
    this.endpoints = connection.endpoints.map((endpoint) => endpoint.replace(/\/+$/, ""));
    this.timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.httpsAgent = new https.Agent({ keepAlive: true, ca: connection.ca, cert: connection.cert, key: connection.key });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const answer = await this.call<{ kvs?: WireKeyValue[] }>("/v3/kv/range", { key: encode(key) });
    const first = answer.kvs?.[0];
    return first ? toKeyValue(first) : undefined;
  }

  async range(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }> {
    const answer = await this.call<{ header?: WireHeader; kvs?: WireKeyValue[] }>("/v3/kv/range", keyRange(prefix, true));
    return { kvs: (answer.kvs ?? []).map(toKeyValue), revision: int(answer.header?.revision) };
  }

  async put(key: string, value: string, options: { lease?: string } = {}): Promise<{ revision: number }> {
    const lease = options.lease && options.lease !== "0" ? { lease: options.lease } : {};
    const answer = await this.call<{ header?: WireHeader }>("/v3/kv/put", { key: encode(key), value: encode(value), ...lease });
    return { revision: int(answer.header?.revision) };
  }

  async delete(key: string, options: { prefix?: boolean } = {}): Promise<{ deleted: number }> {
    const answer = await this.call<{ deleted?: string }>("/v3/kv/deleterange", keyRange(key, options.prefix));
    return { deleted: int(answer.deleted) };
  }

  async txn(request: { compare: Compare[]; success: Operation[]; failure?: Operation[] }): Promise<TxnResult> {
    const answer = await this.call<{ header?: WireHeader; succeeded?: boolean; responses?: Array<{ response_range?: { kvs?: WireKeyValue[] } }> }>("/v3/kv/txn", {
      compare: request.compare.map(toWireCompare),
      success: request.success.map(toWireOperation),
      failure: (request.failure ?? []).map(toWireOperation),
    });
    return {
      succeeded: answer.succeeded === true,
      revision: int(answer.header?.revision),
      responses: (answer.responses ?? []).map((response) => (response.response_range?.kvs ?? []).map(toKeyValue)),
    };
  }

  async leaseGrant(ttlSeconds: number): Promise<{ id: string; ttl: number }> {
    const answer = await this.call<{ ID?: string; TTL?: string; error?: string }>("/v3/lease/grant", { TTL: String(ttlSeconds) });
    if (answer.error) throw new EtcdError(`etcd refused a lease of ${ttlSeconds} s: ${answer.error}`, "request");
    return { id: answer.ID ?? "0", ttl: int(answer.TTL) };
  }

  async leaseKeepAlive(id: string): Promise<number> {
    const answer = await this.call<{ result?: { TTL?: string } }>("/v3/lease/keepalive", { ID: id }, { firstMessage: true });
    return int(answer.result?.TTL);
  }

  async leaseTimeToLive(id: string): Promise<number> {
    const answer = await this.call<{ TTL?: string }>("/v3/lease/timetolive", { ID: id });
    return answer.TTL === undefined ? -1 : int(answer.TTL);
  }

  async leaseRevoke(id: string): Promise<void> {
    await this.call("/v3/lease/revoke", { ID: id }, { notFoundIsFine: true });
  }

  watch(prefix: string, options: { fromRevision?: number; onEvents(events: WatchEvent[], revision: number): void; onError?(error: Error): void }): () => void {
    if (this.closed) throw new EtcdError("etcd client is closed; cannot watch", "request");
    const cancel = startWatch(this.watchTransport(), prefix, options);
    const remove = () => {
      this.watches.delete(remove);
      cancel();
    };
    this.watches.add(remove);
    return remove;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const cancel of [...this.watches]) cancel();
    for (const request of this.inFlight) request.destroy(new EndpointFailure("etcd client closed", "request"));
    this.inFlight.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** One request, tried on each endpoint in turn from the last one that answered. */
  private async call<T>(path: string, body: unknown, options: { firstMessage?: boolean; notFoundIsFine?: boolean } = {}): Promise<T> {
    if (this.closed) throw new EtcdError(`etcd client is closed; cannot send ${path}`, "request");
    const failures: EndpointFailure[] = [];
    const tried: string[] = [];
    for (let step = 0; step < this.endpoints.length; step++) {
      const index = (this.current + step) % this.endpoints.length;
      const endpoint = this.endpoints[index]!;
      try {
        const answer = await this.callOn<T>(endpoint, path, body, options);
        this.current = index;
        return answer;
      } catch (error) {
        if (!(error instanceof EndpointFailure)) throw error;
        failures.push(error);
        tried.push(`${endpoint} (${error.message})`);
        if (this.closed) break;
      }
    }
    const kinds = new Set(failures.map((failure) => failure.kind));
    const code = kinds.has("tls") ? "tls" : kinds.has("request") ? "request" : kinds.size === 1 && kinds.has("timeout") ? "timeout" : "unreachable";
    const hint =
      code === "tls"
        ? "check ca_file (the CA the members' certificates chain to), cert_file/key_file, and that the endpoints use https:// with names in the certificates"
        : "check that etcd runs, that agents.coordination.etcd.endpoints lists its client URLs (http(s)://host:2379), and that this machine can reach them";
    throw new EtcdError(`etcd: no endpoint answered ${path}: ${tried.join("; ")}. What to do: ${hint}`, code);
  }

  /** One endpoint, re-authenticating once when the token was refused. */
  private async callOn<T>(endpoint: string, path: string, body: unknown, options: { firstMessage?: boolean; notFoundIsFine?: boolean }): Promise<T> {
    if (this.connection.username !== undefined && this.token === undefined) await this.authenticate(endpoint);
    let answer = await this.post(endpoint, path, body, options.firstMessage === true);
    let error = grpcError(answer);
    if (error?.code === GRPC_UNAUTHENTICATED && this.connection.username !== undefined) {
      await this.authenticate(endpoint);
      answer = await this.post(endpoint, path, body, options.firstMessage === true);
      error = grpcError(answer);
    }
    if (!error) return answer as T;
    if (error.code === GRPC_NOT_FOUND && options.notFoundIsFine) return answer as T;
    if (error.code === GRPC_UNAVAILABLE) throw new EndpointFailure(`unavailable: ${error.message}`, "unreachable");
    if (this.connection.username === undefined && /user name is empty|auth token/.test(error.message)) {
      throw new EtcdError(`etcd at ${endpoint} requires a user for ${path} (${error.message}). What to do: set agents.coordination.etcd.username and password`, "auth");
    }
    if (error.code === GRPC_UNAUTHENTICATED || error.code === GRPC_PERMISSION_DENIED) {
      throw new EtcdError(`etcd at ${endpoint} refused ${path}: ${error.message}. What to do: check agents.coordination.etcd.username/password and that the etcd user has a role granting read-write on the prefix`, "auth");
    }
    throw new EtcdError(`etcd at ${endpoint} refused ${path}: ${error.message} (gRPC code ${error.code})`, "request");
  }

  private async authenticate(endpoint: string): Promise<void> {
    this.token = undefined;
    const answer = await this.post(endpoint, "/v3/auth/authenticate", { name: this.connection.username, password: this.connection.password ?? "" }, false);
    const error = grpcError(answer);
    if (error?.code === GRPC_UNAVAILABLE) throw new EndpointFailure(`unavailable: ${error.message}`, "unreachable");
    if (error) {
      const what = error.code === GRPC_INVALID_ARGUMENT ? "the user name or password is wrong" : error.message;
      throw new EtcdError(`etcd at ${endpoint} refused to authenticate user "${this.connection.username}": ${what}. What to do: check agents.coordination.etcd.username and the secret its password references`, "auth");
    }
    const token = (answer as { token?: string }).token;
    // etcd answers without a token when auth is not enabled: send none.
    this.token = token;
  }

  /** POSTs JSON to one endpoint; resolves the parsed answer (or its first message), rejects EndpointFailure. */
  private post(endpoint: string, path: string, body: unknown, firstMessage: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, `${endpoint}/`);
      const payload = JSON.stringify(body);
      const headers: Record<string, string> = { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) };
      if (this.token) headers.authorization = this.token;
      const request = (url.protocol === "https:" ? https : http).request(url, { method: "POST", headers, agent: url.protocol === "https:" ? this.httpsAgent : this.httpAgent });
      this.inFlight.add(request);
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(request);
        outcome();
      };
      const timer = setTimeout(() => {
        finish(() => reject(new EndpointFailure(`no answer within ${this.timeoutMs} ms`, "timeout")));
        request.destroy();
      }, this.timeoutMs);
      request.on("error", (error: NodeJS.ErrnoException) => finish(() => reject(transportFailure(error))));
      request.on("response", (response: IncomingMessage) => {
        const splitter = new JsonStreamSplitter();
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (!firstMessage) {
            text += chunk;
            return;
          }
          const [message] = splitter.push(chunk);
          if (message !== undefined) {
            finish(() => resolve(message));
            request.destroy();
          }
        });
        response.on("error", (error: NodeJS.ErrnoException) => finish(() => reject(transportFailure(error))));
        response.on("end", () =>
          finish(() => {
            try {
              resolve(JSON.parse(text));
            } catch {
              reject(new EndpointFailure(`answered HTTP ${response.statusCode} with ${text.length === 0 ? "no body" : `"${text.slice(0, 80)}"`}, not etcd's JSON gateway (is this a client URL of etcd ≥ 3.4?)`, "request"));
            }
          }),
        );
      });
      request.end(payload);
    });
  }

  private watchTransport(): WatchTransport {
    return {
      endpoints: () => this.endpoints,
      preferred: () => this.current,
      timeoutMs: this.timeoutMs,
      open: (endpoint, path, body, onMessage) => this.openStream(endpoint, path, body, onMessage),
      probe: async (endpoint, prefix) => {
        const answer = await this.callOn<{ header?: WireHeader }>(endpoint, "/v3/kv/range", { ...keyRange(prefix, true), count_only: true }, {});
        return int(answer.header?.revision);
      },
    };
  }

  /** A long-lived POST whose answer is a stream of JSON messages (watch). */
  private openStream(endpoint: string, path: string, body: unknown, onMessage: (message: unknown) => void): StreamHandle {
    const url = new URL(path, `${endpoint}/`);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.token) headers.authorization = this.token;
    const request = (url.protocol === "https:" ? https : http).request(url, { method: "POST", headers, agent: url.protocol === "https:" ? this.httpsAgent : this.httpAgent });
    this.inFlight.add(request);
    const ended = new Promise<void>((resolve, reject) => {
      request.on("error", (error: NodeJS.ErrnoException) => reject(transportFailure(error)));
      request.on("close", () => resolve());
      request.on("response", (response) => {
        const splitter = new JsonStreamSplitter();
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          try {
            for (const message of splitter.push(chunk)) onMessage(message);
          } catch (error) {
            request.destroy(error instanceof Error ? error : new Error(String(error)));
          }
        });
        response.on("error", (error: NodeJS.ErrnoException) => reject(transportFailure(error)));
        response.on("end", () => resolve());
        response.on("close", () => resolve());
      });
    }).finally(() => this.inFlight.delete(request));
    request.end(JSON.stringify(body));
    return { ended, abort: () => request.destroy() };
  }
}

function transportFailure(error: NodeJS.ErrnoException): EndpointFailure {
  if (error instanceof EndpointFailure) return error;
  const code = error.code ?? "";
  if (TLS_CODES.test(code) || /certificate|ssl|tls/i.test(error.message)) return new EndpointFailure(`TLS: ${error.message}`, "tls");
  if (code === "ETIMEDOUT") return new EndpointFailure(`timed out connecting (${code})`, "timeout");
  return new EndpointFailure(code ? `${code}: ${error.message}` : error.message, "unreachable");
}

/** The config's etcd block (src/config/schema.ts), before its files and secret are read. */
export interface EtcdConfig {
  endpoints: string[];
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
  username?: string;
  /** A secret reference ("env:NAME", "file:/path"), resolved by `secret`. */
  password?: string;
  timeoutMs?: number;
}

/** Reads the PEM files and the password secret named in the config and gives a client. */
export async function connectEtcd(config: EtcdConfig, secret: (ref: string) => Promise<string>): Promise<EtcdClient> {
  const pem = async (key: "ca_file" | "cert_file" | "key_file"): Promise<string | undefined> => {
    const file = config[key];
    if (file === undefined) return undefined;
    try {
      return await readFile(file, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
      throw new EtcdError(`agents.coordination.etcd.${key}: cannot read ${file} (${reason}). What to do: point ${key} at a readable PEM file, or remove the key`, "tls");
    }
  };
  if ((config.cert_file === undefined) !== (config.key_file === undefined)) {
    throw new EtcdError(`agents.coordination.etcd: cert_file and key_file go together (client certificate and its key); set both or neither`, "tls");
  }
  if ((config.username === undefined) !== (config.password === undefined)) {
    throw new EtcdError(`agents.coordination.etcd: username and password go together; set both (password is a secret reference such as "env:ETCD_PASSWORD") or neither`, "auth");
  }
  let password: string | undefined;
  if (config.password !== undefined) {
    try {
      password = await secret(config.password);
    } catch (error) {
      // Named by its reference only: a literal here would be the password itself.
      throw new EtcdError(`agents.coordination.etcd.password: cannot resolve the secret ${describeSecretRef(config.password)}: ${(error as Error).message}`, "auth");
    }
  }
  const [ca, cert, key] = [await pem("ca_file"), await pem("cert_file"), await pem("key_file")];
  return new EtcdClient({ endpoints: config.endpoints, ca, cert, key, username: config.username, password, timeoutMs: config.timeoutMs });
}
