// A service's health shown the same way everywhere: a colored dot AND a word, never color alone.
import type { Health } from "../api/types.js";

const LABELS: Record<string, string> = { up: "Up", degraded: "Degraded", down: "Down", unknown: "Unknown" };

export function healthLabel(health: string): string {
  return LABELS[health] ?? health;
}

export function HealthBadge({ health }: { health: Health | string }) {
  return (
    <span class={`badge health-${health}`} data-health={health}>
      <span class="dot" aria-hidden="true" />
      {healthLabel(health)}
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <span class={`badge severity-${severity}`}>{severity}</span>;
}
