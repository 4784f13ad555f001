// The "Fail over" / "Fail back" confirmation: it first asks the agent for the dry-run plan and shows it,
// so the operator confirms the exact steps (fence, promote, verify, switch, notify) that will run. When
// the guards would refuse, it says why and the confirm button stays disabled.
import { useState } from "preact/hooks";
import { api } from "../api/client.js";
import { blockedBy, failoverPath, usePlan, type MoveKind } from "../api/failover-plans.js";
import type { TopologyService } from "../api/types.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { ErrorNote, Loading } from "../components/states.js";

export interface MoveRequest {
  service: TopologyService;
  kind: MoveKind;
  /** When it was asked for (ms): a new plan is read on every opening. */
  at: number;
}

interface Props {
  request: MoveRequest | null;
  onClose(started: boolean): void;
}

const VERB: Record<MoveKind, string> = { failover: "Fail over", failback: "Fail back" };

export function FailoverDialog({ request, onClose }: Props) {
  const kind = request?.kind ?? "failover";
  // Asked afresh each time the dialog opens (the opening time is part of the key).
  const state = usePlan(request?.service.name ?? null, kind, request ? `${request.at}` : "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const plan = state.plan;
  const refused = blockedBy(state) !== null;

  const close = (started: boolean) => {
    setError(null);
    setBusy(false);
    onClose(started);
  };

  const confirm = async () => {
    if (!request || !plan || refused) return;
    setBusy(true);
    try {
      await api(failoverPath(request.service.name), { method: "POST", body: kind === "failback" ? { kind } : plan.to ? { to: plan.to } : {} });
      close(true);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  return (
    <ConfirmDialog
      title={request ? `${VERB[kind]} ${request.service.name}?` : ""}
      open={request !== null}
      confirmLabel={`${VERB[kind]} now`}
      danger
      busy={busy || !plan || refused}
      onConfirm={() => void confirm()}
      onCancel={() => close(false)}
    >
      {!plan && !state.error && <Loading what="the dry-run plan" />}
      {state.error && <ErrorNote message={state.error} />}
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
              The agent's guards would refuse this {kind} now, so it cannot be started from here:
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
