/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The C++ server during development; `CRONIUM_URL=http://host:port npm run dev` to change it.
const target = process.env.CRONIUM_URL ?? "http://127.0.0.1:8080";

// The same policy the cronium binary sends, so `vite preview` shows CSP breakage too.
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export default defineConfig({
  base: "/",
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
    modulePreload: { polyfill: false },
    // react-dom alone is ~190 kB raw; the first page is ~170 kB gzipped in all.
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      "/api": { target, ws: true },
      "/healthz": { target },
      "/readyz": { target },
    },
  },
  preview: {
    proxy: {
      "/api": { target, ws: true },
      "/healthz": { target },
    },
    headers: { "Content-Security-Policy": CSP },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
