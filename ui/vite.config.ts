import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

const uiRoot = fileURLToPath(new URL(".", import.meta.url));

/**
 * The device UI build: one JS and one CSS file with stable names (the device serves them from memory,
 * precompressed by scripts/compress-ui.mjs, which also adds `?v=<hash>` so they can be cached), so the
 * first load is index.html + app.js + app.css and nothing else; what only some pages need (uPlot for
 * the graphs) is an `app-<name>.js` chunk loaded on first use.
 */
export default defineConfig({
  root: uiRoot,
  base: "/",
  // Copied as they are: the web app manifest, its icon and the service worker (whose shell list
  // scripts/compress-ui.mjs fills in after the build).
  publicDir: "public",
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    assetsDir: "",
    target: "es2020",
    cssCodeSplit: false,
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // Anything imported as an asset is inlined: every extra file would be another request.
    assetsInlineLimit: 100_000,
    rollupOptions: {
      output: {
        entryFileNames: "app.js",
        // The QR encoder's module is `uqr/dist/index`: named for what it is, not for its folder.
        chunkFileNames: (chunk) =>
          chunk.moduleIds.some((m) => m.includes("/uqr/")) ? "app-qr.js" : "app-[name].js",
        assetFileNames: (asset) =>
          asset.names.some((n) => n.endsWith(".css")) ? "app.css" : "[name][extname]",
        // Lazy parts (the graph library) are their own chunks, fetched when first needed.
        inlineDynamicImports: false,
        // The QR encoder (About page only) gets a name saying what it is.
        manualChunks: (id) => (id.includes("/node_modules/uqr/") ? "qr" : undefined),
      },
    },
  },
  server: {
    // `npx vite --config ui/vite.config.ts` against a running device (default: `owts demo`'s winch).
    proxy: {
      "/api": {
        target: process.env.OWTS_DEVICE_URL ?? "https://127.0.0.1:8443",
        secure: false,
        changeOrigin: true,
      },
    },
  },
});
