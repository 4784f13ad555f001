// The drills table (migration 004): every state change of a drill is written before the runner acts on
// it, in its own committed transaction, so that after a kill -9 the row says how far the drill got.
import type { Store } from "../store/db.js";
import type { Drill } from "./machine.js";

interface DrillRow { id: number; record: string }

export class DrillJournal {
  constructor(private readonly store: Store) {}

  /** Stores a new drill and returns it with its id. */
  begin(drill: Drill): Drill {
    const id = Number(this.store.statement("INSERT INTO drills (service, state, outcome, started_at, finished_at, record) VALUES (?, ?, ?, ?, ?, '{}')")
      .run(drill.service, drill.state, drill.outcome ?? null, drill.startedAt, drill.finishedAt ?? null).lastInsertRowid);
    return this.save({ ...drill, id });
  }

  save(drill: Drill): Drill {
    this.store.statement("UPDATE drills SET state = ?, outcome = ?, finished_at = ?, record = ? WHERE id = ?")
      .run(drill.state, drill.outcome ?? null, drill.finishedAt ?? null, JSON.stringify(drill), drill.id);
    return drill;
  }

  get(id: number): Drill | undefined {
    const row = this.store.statement("SELECT id, record FROM drills WHERE id = ?").get(id) as DrillRow | undefined;
    return row ? parse(row) : undefined;
  }

  /** Drills not finished (running now, or left behind by a crash), oldest first. */
  unfinished(): Drill[] {
    return (this.store.statement("SELECT id, record FROM drills WHERE finished_at IS NULL ORDER BY id").all() as DrillRow[]).map(parse);
  }

  /** Drills newest first, optionally of one service. */
  list(filter: { service?: string | undefined; limit?: number } = {}): Drill[] {
    const rows = filter.service === undefined
      ? this.store.statement("SELECT id, record FROM drills ORDER BY started_at DESC, id DESC LIMIT ?").all(filter.limit ?? 1000)
      : this.store.statement("SELECT id, record FROM drills WHERE service = ? ORDER BY started_at DESC, id DESC LIMIT ?").all(filter.service, filter.limit ?? 1000);
    return (rows as DrillRow[]).map(parse);
  }
}

function parse(row: DrillRow): Drill {
  return { ...(JSON.parse(row.record) as Drill), id: row.id };
}
