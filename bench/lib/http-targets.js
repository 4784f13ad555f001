// Loopback HTTP servers for the probe benchmark: each answers every request with 200 "ok".
// Run in its own process (on the other core) so that serving does not compete with the agent measured.
import { createServer } from "node:http";

const count = Number(process.argv[2] ?? 4);
const servers = [];
for (let i = 0; i < count; i++) {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
    response.end("ok");
  });
  // Node's default (5 s), as most services keep connections (nginx 75 s, Caddy and Traefik minutes); 1 s was
  // shorter than the agent's idle pooling allows, so every run would pay a new connection.
  server.keepAliveTimeout = 5000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
}
process.stdout.write(`${JSON.stringify(servers.map((server) => server.address().port))}\n`);
process.on("SIGTERM", () => {
  for (const server of servers) server.close();
  process.exit(0);
});
