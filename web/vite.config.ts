// Builds the dashboard into web/dist, which the agent serves itself (no CDN, no external fonts).
// `vite build web` runs from the repository root with this folder as Vite's root.
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

export default defineConfig({
  plugins: [preact({ prerender: { enabled: false } })],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The agent serves these files from the loopback or a LAN: one small bundle, no source maps to ship.
    sourcemap: false,
    target: "es2022",
  },
});
