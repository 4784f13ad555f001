// Analysis: the resilience score, the single points of failure worst first (what each takes down, how
// long recovery takes against the target), and the phased plan with the score each step reaches.
import type { Analysis, Plan, Recovery } from "../api/reports.js";
import { useResource } from "../api/use-resource.js";
import { SeverityBadge } from "../components/health.js";
import { duration } from "../components/format.js";
import { Empty, ErrorNote, Loading } from "../components/states.js";

const listed = (names: string[]) => (names.length === 0 ? "—" : names.join(", "));
const recoveryText = (recovery: Recovery | null) => (recovery === null || recovery.rto_s === null ? "—" : `${recovery.strategy ?? ""} ${duration(recovery.rto_s)}`.trim());
const targetText = (meets: boolean | null) => (meets === null ? "no target" : meets ? "meets target" : "misses target");

function SpofTable({ analysis }: { analysis: Analysis }) {
  if (analysis.spofs.length === 0) return <Empty title="No single points of failure">No single host or service failure takes down a critical or high service.</Empty>;
  return (
    <div class="table-scroll">
      <table aria-label="Single points of failure">
        <thead>
          <tr>
            <th scope="col">Component</th>
            <th scope="col">Severity</th>
            <th scope="col">Takes down</th>
            <th scope="col">Degrades</th>
            <th scope="col">Recovery</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          {analysis.spofs.map((spof) => (
            <tr key={spof.component} data-component={spof.component}>
              <th scope="row">
                {spof.component} <span class="muted">{spof.kind}</span>
                <div class="muted reason">{spof.reason}</div>
              </th>
              <td><SeverityBadge severity={spof.severity} /></td>
              <td>{listed(spof.unavailable)}</td>
              <td>{listed(spof.degraded)}</td>
              <td>{recoveryText(spof.recovery)}</td>
              <td class={spof.meets_target === false ? "fail" : ""}>{targetText(spof.meets_target)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PlanView({ plan }: { plan: Plan }) {
  return (
    <>
      <p>
        Score {plan.score.before} → <strong>{plan.score.after}</strong>; single points of failure {plan.spofs.before.length} → {plan.spofs.after.length}.
      </p>
      {plan.phases.map((phase) => (
        <section key={phase.phase} class="phase" aria-labelledby={`phase-${phase.phase}`}>
          <h3 id={`phase-${phase.phase}`}>
            Phase {phase.phase}: {phase.name} <span class="muted">({phase.when}) · score after {phase.score_after}</span>
          </h3>
          <ol class="steps">
            {phase.steps.map((step) => (
              <li key={step.remedy_id + (step.service ?? "")} class="card">
                <div class="row-between">
                  <strong>{step.remedy}</strong>
                  <span class="score">
                    {step.score_before} → {step.score_after}
                  </span>
                </div>
                <p class="muted">
                  for {step.service ?? "all failovers"}
                  {step.spof.length > 0 ? ` (${step.spof.join(", ")})` : ""} · {step.effort.hours} h, {step.effort.complexity} · recovery after: {step.recovery_after.rto_s === null ? "—" : duration(step.recovery_after.rto_s)}
                </p>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </>
  );
}

export function AnalysisPage() {
  const analysis = useResource<Analysis>("/api/analysis");
  const plan = useResource<Plan>("/api/plan");
  const score = analysis.data?.score;
  return (
    <section>
      <h1>Analysis</h1>
      {analysis.error && <ErrorNote message={analysis.error} retry={analysis.reload} />}
      {!analysis.data && !analysis.error && <Loading what="the analysis" />}
      {score && score.value === null && <p class="muted">{score.reason ?? "Nothing to score: the config has no services."}</p>}
      {score && score.value !== null && (
        <div class="figures">
          <div class="figure">
            <span class="label">Resilience score</span>
            <strong>{score.value}</strong>
          </div>
          <div class="figure">
            <span class="label">Survive any single failure</span>
            <strong>
              {score.survive_any_single_failure} / {score.services}
            </strong>
          </div>
          <div class="figure">
            <span class="label">Single points of failure</span>
            <strong>{score.spofs}</strong>
          </div>
        </div>
      )}
      {analysis.data && (
        <>
          <h2>Single points of failure</h2>
          <SpofTable analysis={analysis.data} />
        </>
      )}
      <h2>Plan</h2>
      {plan.error && <ErrorNote message={plan.error} retry={plan.reload} />}
      {!plan.data && !plan.error && <Loading what="the plan" />}
      {plan.data && score?.value !== null && <PlanView plan={plan.data} />}
      {plan.data && score?.value === null && <p class="muted">Nothing to plan: the config has no services.</p>}
    </section>
  );
}
