// Backups: per service, how old each standby's replica is against the RPO (the data a promotion would
// lose today), the latest snapshots on the backup targets, and "Run now" for operators. The API lists
// snapshots and replicas flat; they are grouped by service here.
import { useState } from "preact/hooks";
import { api } from "../api/client.js";
import type { Backups, Replica, Snapshot } from "../api/reports.js";
import { isOperator, useSession } from "../api/session.js";
import { useResource } from "../api/use-resource.js";
import { bytes, dateTime, duration } from "../components/format.js";
import { Empty, ErrorNote, Loading } from "../components/states.js";

const SHOWN_SNAPSHOTS = 5;

interface Group {
  service: string;
  snapshots: Snapshot[];
  replicas: Replica[];
}

function group(backups: Backups): Group[] {
  const groups = new Map<string, Group>();
  const of = (service: string) => groups.get(service) ?? groups.set(service, { service, snapshots: [], replicas: [] }).get(service)!;
  for (const snapshot of backups.snapshots) of(snapshot.service).snapshots.push(snapshot);
  for (const replica of backups.replicas) of(replica.service).replicas.push(replica);
  for (const entry of groups.values()) entry.snapshots.sort((a, b) => b.created_at.localeCompare(a.created_at));
  return [...groups.values()].sort((a, b) => (a.service < b.service ? -1 : 1));
}

function ReplicaAge({ replica }: { replica: Replica }) {
  const stale = replica.rpo_ms !== null && replica.age_ms > replica.rpo_ms;
  return (
    <span class={stale ? "fail" : "ok"} data-stale={stale}>
      {duration(replica.age_ms / 1000)} old
      {replica.rpo_ms !== null ? ` (RPO ${duration(replica.rpo_ms / 1000)}${stale ? ": too old to promote" : ""})` : ""}
    </span>
  );
}

function RunNow({ service, operator, onRan }: { service: string; operator: boolean; onRan(): void }) {
  const [state, setState] = useState<{ busy: boolean; message: string | null; failed: boolean }>({ busy: false, message: null, failed: false });
  const run = async () => {
    setState({ busy: true, message: null, failed: false });
    try {
      await api(`/api/backups/${encodeURIComponent(service)}/run`, { method: "POST", body: {} });
      setState({ busy: false, message: "Backup started.", failed: false });
      onRan();
    } catch (failure) {
      setState({ busy: false, message: failure instanceof Error ? failure.message : String(failure), failed: true });
    }
  };
  return (
    <div class="run-now">
      <button type="button" disabled={!operator || state.busy} onClick={() => void run()} aria-label={`Run a backup of ${service} now`} title={operator ? undefined : "Only operators can run a backup"}>
        {state.busy ? "Running…" : "Run now"}
      </button>
      {state.message && (
        <p class={`note ${state.failed ? "error" : ""}`} role="status">
          {state.message}
        </p>
      )}
    </div>
  );
}

function ServiceCard({ entry, operator, onRan }: { entry: Group; operator: boolean; onRan(): void }) {
  return (
    <article class="card" data-service={entry.service} aria-labelledby={`backup-${entry.service}`}>
      <div class="row-between">
        <h2 id={`backup-${entry.service}`}>{entry.service}</h2>
        <RunNow service={entry.service} operator={operator} onRan={onRan} />
      </div>
      <h3>Standby replicas</h3>
      {entry.replicas.length === 0 ? (
        <p class="muted">No replica shipped to a standby yet.</p>
      ) : (
        <ul class="plain">
          {entry.replicas.map((replica) => (
            <li key={replica.host}>
              <strong>{replica.host}</strong>: <ReplicaAge replica={replica} />
              <div class="muted">
                snapshot <code>{replica.snapshot_id}</code>, shipped {dateTime(replica.shipped_at)}
              </div>
            </li>
          ))}
        </ul>
      )}
      <h3>Snapshots</h3>
      {entry.snapshots.length === 0 ? (
        <p class="muted">No snapshots.</p>
      ) : (
        <div class="table-scroll">
          <table aria-label={`Snapshots of ${entry.service}`}>
            <thead>
              <tr>
                <th scope="col">Snapshot</th>
                <th scope="col">Taken</th>
                <th scope="col">Size</th>
                <th scope="col">Target</th>
              </tr>
            </thead>
            <tbody>
              {entry.snapshots.slice(0, SHOWN_SNAPSHOTS).map((snapshot) => (
                <tr key={snapshot.id + snapshot.target}>
                  <th scope="row">
                    <code>{snapshot.id}</code>
                  </th>
                  <td>{dateTime(snapshot.created_at)}</td>
                  <td>{bytes(snapshot.bytes)}</td>
                  <td>{snapshot.target}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {entry.snapshots.length > SHOWN_SNAPSHOTS && <p class="muted">and {entry.snapshots.length - SHOWN_SNAPSHOTS} older.</p>}
        </div>
      )}
    </article>
  );
}

export function BackupsPage() {
  const session = useSession();
  const backups = useResource<Backups>("/api/backups");
  const groups = backups.data ? group(backups.data) : [];
  return (
    <section>
      <h1>Backups</h1>
      {backups.error && <ErrorNote message={backups.error} retry={backups.reload} />}
      {!backups.data && !backups.error && <Loading what="the backups" />}
      {backups.data?.note && <p class="note">{backups.data.note}</p>}
      {backups.data && groups.length === 0 && (
        <Empty title="No backups yet">
          Add <code>data:</code> to a service and a backup target to the config, then run <code>understudy backup</code>.
        </Empty>
      )}
      <div class="cards">
        {groups.map((entry) => (
          <ServiceCard key={entry.service} entry={entry} operator={isOperator(session)} onRan={backups.reload} />
        ))}
      </div>
    </section>
  );
}
