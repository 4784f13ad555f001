// Failover runs and plans as the pages show them. The API declares these bodies loosely (the failover
// engine's journal records, src/failover/journal.ts and plan.ts), so they are read here field by field,
// accepting snake_case or camelCase and epoch milliseconds or ISO times, and never trusted to be whole.

export interface FailoverStepView {
  name: string;
  status: string;
  attempt: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** The agent's journal gives a step's duration rather than its end. */
  durationMs: number | null;
  reason: string | null;
  output: string | null;
}

export interface FailoverView {
  id: string;
  service: string;
  kind: string;
  from: string | null;
  to: string | null;
  status: string;
  reason: string | null;
  summary: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  steps: FailoverStepView[];
}

export interface FailoverPlanView {
  service: string;
  from: string | null;
  to: string | null;
  reason: string | null;
  steps: Array<{ name: string; description: string | null; required: boolean | null }>;
  /** What the guards would refuse (anti-flap, maintenance, a down standby), as sentences. */
  refusals: string[];
}

type Loose = Record<string, unknown>;

const camel = (key: string) => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

function field(record: Loose, key: string): unknown {
  return record[key] ?? record[camel(key)];
}

function text(record: Loose, key: string): string | null {
  const value = field(record, key);
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : null;
}

function time(record: Loose, key: string): string | null {
  const value = field(record, key);
  if (typeof value === "number") return new Date(value).toISOString();
  return typeof value === "string" ? value : null;
}

const records = (value: unknown): Loose[] => (Array.isArray(value) ? value.filter((item): item is Loose => typeof item === "object" && item !== null) : []);

export function failoverView(raw: unknown): FailoverView {
  const record = (typeof raw === "object" && raw !== null ? raw : {}) as Loose;
  return {
    id: text(record, "id") ?? "?",
    service: text(record, "service") ?? "?",
    kind: text(record, "kind") ?? "failover",
    from: text(record, "from"),
    to: text(record, "to"),
    status: text(record, "status") ?? text(record, "state") ?? "unknown",
    reason: text(record, "reason"),
    summary: text(record, "summary"),
    startedAt: time(record, "started_at"),
    finishedAt: time(record, "finished_at"),
    steps: records(field(record, "steps")).map((step) => ({
      name: text(step, "step") ?? text(step, "name") ?? "?",
      status: text(step, "status") ?? text(step, "state") ?? "unknown",
      attempt: typeof step.attempt === "number" ? step.attempt : null,
      startedAt: time(step, "started_at"),
      finishedAt: time(step, "finished_at"),
      durationMs: typeof field(step, "duration_ms") === "number" ? (field(step, "duration_ms") as number) : null,
      reason: text(step, "reason"),
      output: text(step, "output"),
    })),
  };
}

// The agent answers a dry run with an envelope `{ plan, steps: [lines], refusals }` around the plan
// (src/api/CONTRACT.md); a bare plan is accepted too.
export function failoverPlanView(raw: unknown): FailoverPlanView {
  const outer = (typeof raw === "object" && raw !== null ? raw : {}) as Loose;
  const inner = outer.plan;
  const record = typeof inner === "object" && inner !== null ? (inner as Loose) : outer;
  const refusals = Array.isArray(outer.refusals) ? outer.refusals : [];
  return {
    service: text(record, "service") ?? "?",
    from: text(record, "from"),
    to: text(record, "to"),
    reason: text(record, "reason"),
    steps: records(field(record, "steps")).map((step) => ({
      name: text(step, "name") ?? text(step, "step") ?? "?",
      description: text(step, "description"),
      required: typeof step.required === "boolean" ? step.required : null,
    })),
    refusals: refusals.map((refusal) => (typeof refusal === "string" ? refusal : text((refusal ?? {}) as Loose, "message") ?? JSON.stringify(refusal))),
  };
}
