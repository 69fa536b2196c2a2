// Preloaded into a device under attack (NODE_OPTIONS=--import): on SIGWINCH it prints the properties
// added to the built-in prototypes since the process started, as one line
// "OWTS-PROTOTYPE-PROBE {json}". Prototype pollution happens inside the device, so only the device
// can tell; the test process's own Object.prototype says nothing about it.
const watched = {
  Object: Object.prototype,
  Array: Array.prototype,
  Function: Function.prototype,
  String: String.prototype,
};
const baseline = Object.fromEntries(
  Object.entries(watched).map(([name, proto]) => [name, new Set(Reflect.ownKeys(proto).map(String))]),
);
process.on("SIGWINCH", () => {
  const added = Object.fromEntries(
    Object.entries(watched).map(([name, proto]) => [
      name,
      Reflect.ownKeys(proto)
        .map(String)
        .filter((k) => !baseline[name].has(k)),
    ]),
  );
  process.stdout.write(`OWTS-PROTOTYPE-PROBE ${JSON.stringify(added)}\n`);
});
