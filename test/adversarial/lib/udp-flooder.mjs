// A UDP flood in its own process, so that the test process (which measures the device's answers
// meanwhile) is not the one the flood slows down. Bounded in count and in time.
//
//   node udp-flooder.mjs <to-port> <from-port> <datagrams-per-second> <seconds> <hex,hex,...>
//
// Sends the payloads in turn from 127.0.0.1:<from-port> to 127.0.0.1:<to-port>, paced in 2 ms steps
// toward the rate, and prints one line "OWTS-FLOOD {sent, errors, elapsed_ms, rate}" when done.
import dgram from "node:dgram";

const [toPort, fromPort, rate, seconds, hex] = process.argv.slice(2);
const payloads = (hex ?? "")
  .split(",")
  .filter(Boolean)
  .map((h) => Buffer.from(h, "hex"));
const perSecond = Number(rate);
const ms = Number(seconds) * 1000;
if (!payloads.length || !(perSecond > 0) || !(ms > 0) || !(Number(toPort) > 0)) {
  console.error("usage: udp-flooder.mjs <to-port> <from-port> <rate> <seconds> <hex,...>");
  process.exit(2);
}
const limit = Math.ceil((perSecond * ms) / 1000);
/** Most datagrams handed to the socket in one step: the event loop keeps turning. */
const STEP_MAX = 2000;

const socket = dgram.createSocket("udp4");
let sent = 0;
let errors = 0;
socket.on("error", () => errors++);
socket.bind(Number(fromPort), "127.0.0.1", () => {
  socket.connect(Number(toPort), "127.0.0.1", () => {
    const t0 = performance.now();
    const step = () => {
      const elapsed = performance.now() - t0;
      if (elapsed >= ms || sent >= limit) {
        const out = {
          sent,
          errors,
          elapsed_ms: Math.round(elapsed),
          rate: Math.round(sent / (elapsed / 1000)),
        };
        process.stdout.write(`OWTS-FLOOD ${JSON.stringify(out)}\n`);
        socket.close();
        return;
      }
      const due = Math.min(Math.floor((elapsed * perSecond) / 1000), limit) - sent;
      for (let i = 0; i < Math.min(due, STEP_MAX); i++) {
        socket.send(payloads[sent % payloads.length], (err) => {
          if (err) errors++;
        });
        sent++;
      }
      setTimeout(step, 2);
    };
    step();
  });
});
