// Drills: each drill's measured detection and failover time against the service's target, and whether
// the standby's data checked out. Until `understudy drill` has run there is nothing, and the page says so.
import type { Drill } from "../api/reports.js";
import { useResource } from "../api/use-resource.js";
import { dateTime, duration } from "../components/format.js";
import { Empty, ErrorNote, Loading } from "../components/states.js";

function verdict(drill: Drill): string {
  if (drill.outcome !== "passed") return drill.outcome ?? drill.state;
  if (drill.target_rto_ms === null || drill.rto_ms === null) return "passed";
  return drill.rto_ms <= drill.target_rto_ms ? "met target" : "missed target";
}

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

export function DrillsPage() {
  const drills = useResource<{ drills: Drill[] }>("/api/drills", ["failover"]);
  const list = drills.data?.drills ?? [];
  return (
    <section>
      <h1>Drills</h1>
      {drills.error && <ErrorNote message={drills.error} retry={drills.reload} />}
      {!drills.data && !drills.error && <Loading what="the drills" />}
      {drills.data && list.length === 0 && (
        <Empty title="No drills yet">
          <p>
            A drill causes a failure on purpose and measures how long detection and failover take against the target. Run one with <code>understudy drill &lt;service&gt;</code>.
          </p>
        </Empty>
      )}
      {list.length > 0 && (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Service</th>
                <th scope="col">Detection</th>
                <th scope="col">Serving again (RTO)</th>
                <th scope="col">Target</th>
                <th scope="col">Data</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {list.map((drill) => (
                <tr key={drill.id}>
                  <td>{dateTime(drill.started_at)}</td>
                  <th scope="row">{drill.service} <span class="muted">({drill.scenario})</span></th>
                  <td>{duration(seconds(drill.detect_ms))}</td>
                  <td>{duration(seconds(drill.rto_ms))}</td>
                  <td>{duration(seconds(drill.target_rto_ms))}</td>
                  <td>{drill.data === null || drill.data.lost_ms === null ? "—" : drill.data.lost_ms === 0 ? "intact" : `lost ${duration(drill.data.lost_ms / 1000)}`}</td>
                  <td class={verdict(drill) === "met target" || verdict(drill) === "passed" ? "ok" : "fail"}>{verdict(drill)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
