// The public status page as server-rendered HTML: no script, one inline stylesheet, every value escaped.
// Per service: its state, uptime, a 90-day bar (one bar a day coloured up/degraded/down, a notch on days a
// standby took over, each bar's title giving the day's figures) and, when the page allows it, the median
// response time. Then maintenance (current and upcoming), incident posts and automatic incidents, and when
// the page was last updated. It fits a 390 px phone: the bar's days shrink, nothing has a fixed width.
import type { Day } from "./day-bar.js";
import type { PageModel, ServiceState } from "./model.js";

const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

// Rounded down, so a day with one failed check never reads 100 %.
const percent = (ratio: number | null) => (ratio === null ? "—" : `${(Math.floor(ratio * 100_000) / 1000).toFixed(3).replace(/\.?0+$/, "")} %`);

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
}

const when = (iso: string) => `<time datetime="${escape(iso)}">${escape(iso.slice(0, 16).replace("T", " "))} UTC</time>`;

const LABEL: Record<ServiceState, string> = { up: "Operational", degraded: "Degraded", down: "Down", maintenance: "Maintenance", unknown: "Unknown" };
const OVERALL: Record<ServiceState, string> = { up: "All systems operational", degraded: "Some systems degraded", down: "Some systems are down", maintenance: "Maintenance in progress", unknown: "Status unknown" };

function dayTitle(day: Day): string {
  const parts = [day.date, day.uptime === null ? "no data" : `${percent(day.uptime)} available`];
  if (day.outage_ms > 0) parts.push(`unavailable ${duration(day.outage_ms)}`);
  if (day.standby_ms > 0) {
    const at = day.failover_at.map((iso) => iso.slice(11, 16)).join(", ");
    parts.push(`served by a standby ${duration(day.standby_ms)}${at === "" ? "" : ` (failover at ${at} UTC)`}`);
  }
  if (day.p50_ms !== undefined && day.p50_ms !== null) parts.push(`median ${day.p50_ms} ms`);
  return parts.join(" · ");
}

function bar(days: readonly Day[]): string {
  const cells = days.map((day) => `<li class="day ${day.state}${day.standby_ms > 0 ? " failover" : ""}" title="${escape(dayTitle(day))}" data-date="${day.date}" data-state="${day.state}"></li>`).join("");
  return `<ol class="bar" aria-label="the last ${days.length} days">${cells}</ol><div class="bar-legend"><span>${days.length} days ago</span><span>today</span></div>`;
}

function linkify(text: string): string {
  return escape(text).replace(/https?:\/\/[^\s<&]+/g, (url) => `<a href="${url}" rel="nofollow noopener">${url}</a>`);
}

const CSS = `*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;color:#1f2328;background:#f6f8fa}
main{max-width:860px;margin:0 auto;padding:16px}header{display:flex;gap:12px;align-items:center;flex-wrap:wrap}header img{max-height:48px;max-width:160px}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 .5em}p{margin:.4em 0;overflow-wrap:anywhere}
.overall{padding:12px 16px;border-radius:8px;color:#fff;font-weight:600;margin:12px 0}.overall.up{background:#1a7f37}.overall.degraded,.overall.maintenance{background:#9a6700}.overall.down{background:#cf222e}.overall.unknown{background:#6e7781}
section.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin:10px 0;min-width:0}
.svc-head{display:flex;justify-content:space-between;gap:8px;flex-wrap:wrap}.svc-name{font-weight:600;overflow-wrap:anywhere}
.state.up{color:#1a7f37}.state.degraded,.state.maintenance{color:#9a6700}.state.down{color:#cf222e}.state.unknown{color:#6e7781}.figures{color:#57606a;font-size:.9em}
.bar{display:flex;gap:1px;list-style:none;padding:0;margin:8px 0 2px;height:30px}.day{flex:1 1 0;min-width:0;border-radius:1px;background:#d0d7de;position:relative}
.day.up{background:#2da44e}.day.degraded{background:#d4a72c}.day.down{background:#cf222e}.day.failover::after{content:"";position:absolute;left:0;right:0;top:0;height:6px;background:#0969da}
.bar-legend{display:flex;justify-content:space-between;color:#57606a;font-size:.8em}.legend{display:flex;flex-wrap:wrap;gap:10px;font-size:.8em;color:#57606a}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.post h3,.incident h3{font-size:1em;margin:0 0 4px;overflow-wrap:anywhere}.update{margin:6px 0 0}.update b{text-transform:capitalize}.muted{color:#57606a;font-size:.9em}
footer{margin:24px 0;color:#57606a;font-size:.9em;overflow-wrap:anywhere}nav a{margin-right:12px}`;

function services(model: PageModel): string {
  if (model.services.length === 0) return `<p class="muted">No services are shown on this page.</p>`;
  return model.services.map((service) => `<section class="card service" data-service="${escape(service.name)}">
<div class="svc-head"><span class="svc-name">${escape(service.name)}</span><span class="state ${service.state}">${LABEL[service.state]}</span></div>
<div class="figures">${percent(service.uptime_90d)} over 90 days · ${percent(service.uptime_24h)} over 24 h${service.p50_ms !== undefined ? ` · ${service.p50_ms === null ? "—" : `${service.p50_ms} ms`} median response` : ""}</div>
${bar(service.days)}</section>`).join("\n");
}

function maintenance(model: PageModel): string {
  if (model.maintenance.length === 0) return "";
  return `<h2>Maintenance</h2>${model.maintenance.map((window) => `<section class="card maintenance-window"><h3>${window.now ? "In progress" : "Scheduled"}: ${escape(window.services.join(", "))}</h3><p class="muted">${when(window.start)} – ${when(window.end)}</p></section>`).join("")}`;
}

function posts(model: PageModel): string {
  if (model.posts.length === 0) return "";
  return `<h2>Announcements</h2>${model.posts.map((post) => `<section class="card post" data-post="${post.id}"><h3>${escape(post.title)}${post.resolved_at === null ? "" : " (resolved)"}</h3>
${post.services.length > 0 ? `<p class="muted">Affects ${escape(post.services.join(", "))}</p>` : ""}${post.updates.map((update) => `<p class="update"><b>${escape(update.state)}</b> — ${escape(update.message)} <span class="muted">${when(update.at)}</span></p>`).join("")}</section>`).join("")}`;
}

function incidents(model: PageModel): string {
  const body = model.incidents.length === 0 ? `<p class="muted">No incidents in the last 7 days.</p>`
    : model.incidents.map((incident) => `<section class="card incident"><h3>${escape(incident.title)}</h3><p class="muted">${when(incident.opened_at)}${incident.resolved_at === null ? " – ongoing" : ` – ${when(incident.resolved_at)}`}</p></section>`).join("");
  return `<h2>Incidents (detected automatically)</h2>${body}`;
}

export function renderPage(model: PageModel): string {
  const nav = model.pages.length === 0 ? "" : `<nav>${model.pages.map((page) => `<a href="${escape(page.path)}">${escape(page.title)}</a>`).join("")}</nav>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(model.title)}</title><style>${CSS}</style></head>
<body><main>
<header>${model.logo === null ? "" : `<img src="${escape(model.logo)}" alt="">`}<h1>${escape(model.title)}</h1></header>
${model.description === null ? "" : `<p>${linkify(model.description)}</p>`}
<div class="overall ${model.overall}">${OVERALL[model.overall]}</div>
${maintenance(model)}${posts(model)}
<h2>Services</h2>
<div class="legend"><span><i style="background:#2da44e"></i>up</span><span><i style="background:#d4a72c"></i>degraded</span><span><i style="background:#cf222e"></i>down</span><span><i style="background:#0969da"></i>failover (served by a standby)</span><span><i style="background:#d0d7de"></i>no data</span></div>
${services(model)}
${incidents(model)}
<footer>${model.footer === null ? "" : `<p>${linkify(model.footer)}</p>`}${nav}<p class="muted">Last updated ${when(model.generated_at)}. Times are UTC.</p></footer>
</main></body></html>
`;
}
