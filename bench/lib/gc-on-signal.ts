// Preloaded into a measured process (NODE_OPTIONS="--expose-gc --import .../gc-on-signal.js"): SIGUSR2
// runs a full garbage collection, so that an RSS reading right after it shows live memory rather than
// whatever garbage the last requests left. Bench instrumentation only; the device code is unchanged.
const collect = (globalThis as { gc?: () => void }).gc;
if (collect) process.on("SIGUSR2", () => collect());
