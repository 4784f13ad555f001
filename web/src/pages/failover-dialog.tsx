// The "Fail over" confirmation: it first asks the agent for the dry-run plan and shows it, so the
// operator confirms the exact steps (fence, promote, verify, switch, notify) that will run.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client.js";
import { failoverPlanView, type FailoverPlanView } from "../api/failover-view.js";
import type { TopologyService } from "../api/types.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { ErrorNote, Loading } from "../components/states.js";

interface Props {
  service: TopologyService | null;
  onClose(started: boolean): void;
}

const failoverPath = (name: string) => `/api/failover/${encodeURIComponent(name)}`;

export function FailoverDialog({ service, onClose }: Props) {
  const [plan, setPlan] = useState<FailoverPlanView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setPlan(null);
    setError(null);
    setBusy(false);
    if (!service) return;
    api<{ plan?: unknown }>(failoverPath(service.name), { method: "POST", body: { dry_run: true } }).then(
      (answer) => setPlan(failoverPlanView(answer.plan)),
      (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)),
    );
  }, [service]);

  const confirm = async () => {
    if (!service || !plan) return;
    setBusy(true);
    try {
      await api(failoverPath(service.name), { method: "POST", body: plan.to ? { to: plan.to } : {} });
      onClose(true);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog title={service ? `Fail over ${service.name}?` : ""} open={service !== null} confirmLabel="Fail over now" danger busy={busy || !plan} onConfirm={() => void confirm()} onCancel={() => onClose(false)}>
      {!plan && !error && <Loading what="the dry-run plan" />}
      {error && <ErrorNote message={error} />}
      {plan && (
        <>
          <p>
            From <strong>{plan.from ?? "—"}</strong> to <strong>{plan.to ?? "—"}</strong>
            {plan.reason ? ` (${plan.reason})` : ""}. These steps will run:
          </p>
          <ol class="plan-steps" aria-label="Dry-run plan">
            {plan.steps.map((step, index) => (
              <li key={index}>
                <strong>{step.name}</strong>
                {step.required === false && <span class="muted"> (best effort)</span>}
                {step.description && <div class="muted">{step.description}</div>}
              </li>
            ))}
          </ol>
          {plan.refusals.length > 0 && (
            <div class="note warn refusals" role="alert">
              The agent's guards would refuse this failover now:
              <ul>
                {plan.refusals.map((refusal) => (
                  <li key={refusal}>{refusal}</li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </ConfirmDialog>
  );
}
