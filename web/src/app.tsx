// The application shell: the public status page needs no login; every other page needs a session and
// sits in the layout with the navigation. A 401 from any request forgets the session, which shows the
// login page at the same URL, so logging in again returns the user to where they were.
import { useEffect } from "preact/hooks";
import { handleUnauthorized } from "./api/client.js";
import { loadSession, sessionExpired, useSession } from "./api/session.js";
import { interceptLinks, match, usePath } from "./router.js";
import { Layout } from "./components/layout.js";
import { Loading } from "./components/states.js";
import { LoginPage } from "./pages/login.js";
import { StatusPage } from "./pages/status.js";
import { OverviewPage } from "./pages/overview.js";
import { ServicesPage } from "./pages/services.js";
import { IncidentsPage } from "./pages/incidents.js";
import { FailoverPage } from "./pages/failover.js";
import { BackupsPage } from "./pages/backups.js";
import { AnalysisPage } from "./pages/analysis.js";
import { DrillsPage } from "./pages/drills.js";
import { NotFoundPage } from "./pages/not-found.js";

handleUnauthorized(sessionExpired);

function page(path: string) {
  if (match("/", path)) return <OverviewPage />;
  if (match("/services", path)) return <ServicesPage name={null} />;
  const service = match("/services/:name", path);
  if (service) return <ServicesPage name={service.name ?? null} />;
  if (match("/incidents", path)) return <IncidentsPage />;
  if (match("/failover", path)) return <FailoverPage />;
  if (match("/backups", path)) return <BackupsPage />;
  if (match("/analysis", path)) return <AnalysisPage />;
  if (match("/drills", path)) return <DrillsPage />;
  return <NotFoundPage />;
}

export function App() {
  const path = usePath();
  const session = useSession();
  const isPublic = path === "/status";
  useEffect(() => {
    document.addEventListener("click", interceptLinks);
    return () => document.removeEventListener("click", interceptLinks);
  }, []);
  useEffect(() => {
    if (!isPublic && session === undefined) void loadSession();
  }, [isPublic, session]);

  if (isPublic) return <StatusPage />;
  if (session === undefined) return <Loading what="the session" />;
  if (session === null) return <LoginPage />;
  return <Layout path={path}>{page(path)}</Layout>;
}
