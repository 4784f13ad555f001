// The frame of every signed-in page: a skip link, the navigation (the current page marked for screen
// readers), who is signed in with their role, whether live updates are flowing, and sign-out.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { logout, useSession } from "../api/session.js";
import { subscribe, useLiveConnected } from "../api/events.js";

const PAGES: Array<{ path: string; label: string }> = [
  { path: "/", label: "Overview" },
  { path: "/services", label: "Services" },
  { path: "/incidents", label: "Incidents" },
  { path: "/failover", label: "Failover" },
  { path: "/backups", label: "Backups" },
  { path: "/analysis", label: "Analysis" },
  { path: "/drills", label: "Drills" },
];

const isCurrent = (page: string, path: string) => (page === "/" ? path === "/" : path === page || path.startsWith(`${page}/`));

export function Layout({ path, children }: { path: string; children: ComponentChildren }) {
  const session = useSession();
  const live = useLiveConnected();
  const main = useRef<HTMLElement>(null);
  const current = PAGES.find((page) => isCurrent(page.path, path));
  // Keep the event stream open on every page, so that "Live" means the agent is reachable.
  useEffect(() => subscribe(["status"], () => {}), []);
  useEffect(() => {
    document.title = `${current?.label ?? "Not found"} · Understudy`;
  }, [current]);
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a href="/" class="brand">
          Understudy
        </a>
        <nav aria-label="Main">
          <ul>
            {PAGES.map((page) => (
              <li key={page.path}>
                <a href={page.path} aria-current={isCurrent(page.path, path) ? "page" : undefined}>
                  {page.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class={`live ${live ? "on" : "off"}`} title={live ? "Live updates connected" : "Live updates disconnected"}>
            <span class="dot" aria-hidden="true" />
            {live ? "Live" : "Offline"}
          </span>
          <span>
            {session?.name} <span class="muted">({session?.role})</span>
          </span>
          <a href="/status" class="muted">
            Status page
          </a>
          <button type="button" class="secondary small" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
