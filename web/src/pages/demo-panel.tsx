// In `understudy demo` only: buttons that kill a service's primary process (and start it again), so a
// visitor can watch detection and failover happen on the graph. Outside the demo GET /api/demo is a
// 404 and this panel renders nothing.
import { useState } from "preact/hooks";
import { api } from "../api/client.js";
import { isOperator, useSession } from "../api/session.js";
import { useResource } from "../api/use-resource.js";

export function DemoPanel() {
  const demo = useResource<{ demo: boolean; services: string[] }>("/api/demo");
  const operator = isOperator(useSession());
  const [message, setMessage] = useState<string | null>(null);
  if (!demo.data?.demo) return null;

  const act = async (action: "kill" | "restore", service: string) => {
    setMessage(null);
    try {
      const answer = await api<{ killed?: string; host?: string; started?: unknown }>(`/api/demo/${action}/${encodeURIComponent(service)}`, { method: "POST", body: {} });
      setMessage(action === "kill" ? `Killed ${service}${answer.host ? ` on ${answer.host}` : ""}. Watch the graph.` : `Started ${service} again.`);
    } catch (failure) {
      setMessage(failure instanceof Error ? failure.message : String(failure));
    }
  };

  return (
    <section class="card demo" aria-labelledby="demo-title">
      <h2 id="demo-title">Demo</h2>
      <p class="muted">This is a simulated homelab on loopback. Kill a service's primary and watch the agent notice and fail it over.</p>
      <ul class="demo-actions">
        {demo.data.services.map((service) => (
          <li key={service}>
            <span>{service}</span>
            <button type="button" class="danger small" disabled={!operator} onClick={() => void act("kill", service)}>
              Kill primary
            </button>
            <button type="button" class="secondary small" disabled={!operator} onClick={() => void act("restore", service)}>
              Restore
            </button>
          </li>
        ))}
      </ul>
      {message && (
        <p class="note" role="status">
          {message}
        </p>
      )}
    </section>
  );
}
