// Driver for test/mdns/advertise-netns.test.ts. Runs ONLY inside a private network namespace
// (../shared/tools/in-mdns-netns node netns-scenario.mjs <scenario>): it starts the built advertiser on
// 127.0.0.1, looks at it with clients that share no code with it (dig, mdns-client.py), and prints one
// JSON object of raw observations. The test judges them; this script decides nothing.
import { execFile, spawn } from "node:child_process";
import { networkInterfaces } from "node:os";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CLIENT = fileURLToPath(new URL("./mdns-client.py", import.meta.url));
const ZEROCONF = fileURLToPath(new URL("./zeroconf-browse.py", import.meta.url));
const IFACE = "127.0.0.1";
const { startMdns } = await import(`${REPO}/dist/src/mdns/advertiser.js`);
const { createDeviceLogger } = await import(`${REPO}/dist/src/device/logger.js`);

// Refuse to run where multicast could reach a real network: inside the namespace only `lo` exists.
const nics = Object.keys(networkInterfaces());
if (nics.some((n) => n !== "lo")) {
  process.stderr.write(
    `refusing to run outside a private network namespace (interfaces: ${nics.join(", ")})\n`,
  );
  process.exit(3);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A bound on a wait that must not keep the process alive once the wait is over. */
const limit = (ms) => new Promise((r) => setTimeout(r, ms).unref());

function logger() {
  const lines = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createDeviceLogger({ level: "debug", destination }).logger, lines };
}

/** dig as a legacy unicast client straight to the responder's port (RFC 6762 §5.5/§6.7). */
async function dig(name, type) {
  const args = ["-p", "5353", `@${IFACE}`, "+time=2", "+tries=1", "+norecurse", name, type];
  try {
    const { stdout } = await run("dig", args, { timeout: 10_000 });
    return { code: 0, stdout };
  } catch (err) {
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? String(err) };
  }
}

async function pyQuery(name, type, wait, legacy = false) {
  const args = [CLIENT, "query", IFACE, name, type, String(wait), ...(legacy ? ["legacy"] : [])];
  const { stdout } = await run("python3", args, { timeout: 15_000 });
  return JSON.parse(stdout);
}

/** "name type data" of every live record a query's packets carried, as the tests compare them. */
const recordsOf = (packets) =>
  new Set(
    packets.flatMap((p) =>
      [...p.answers, ...p.additionals]
        .filter((a) => a.ttl > 0)
        .map((a) => `${a.name} ${a.type} ${JSON.stringify(a.data)}`),
    ),
  );

/**
 * Asks again, as a real querier does (RFC 6762 §5.2: a querier repeats its question), until every
 * `want` record has been seen or `tries` questions went out; returns every packet heard. On a loaded
 * machine a daemon's answer to a single question can miss a 2 s window; the assertion is still on
 * what was heard.
 */
async function pyAsk(name, type, want, tries = 3) {
  const heard = [];
  for (let i = 0; i < tries; i++) {
    heard.push(...(await pyQuery(name, type, 2)));
    const got = recordsOf(heard);
    if (want.every((w) => got.has(w))) break;
  }
  return heard;
}

function startSniffer() {
  const child = spawn("python3", [CLIENT, "sniff", IFACE], { stdio: ["pipe", "pipe", "inherit"] });
  const packets = [];
  let buffered = "";
  let onReady;
  const ready = new Promise((r) => {
    onReady = r;
  });
  child.stdout.on("data", (d) => {
    buffered += d.toString();
    let nl = buffered.indexOf("\n");
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === "ready") onReady();
      else if (line) packets.push(JSON.parse(line));
      nl = buffered.indexOf("\n");
    }
  });
  const stop = async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.stdin.end();
    await Promise.race([exited, limit(3000)]);
    child.kill();
    return packets;
  };
  return { ready: Promise.race([ready, limit(5000)]), stop };
}

const WINCH = "OWTS-winch-3A4F1C";
const AIRCRAFT = "OWTS-aircraft-3A4F1C";
const txt = (mode) => ({ mode, id: "3A4F1C", version: "0.1.0" });

/** The advertiser as a winch unit on the namespace's loopback, the way most scenarios start it. */
const startWinch = (logger) =>
  startMdns({
    hostname: WINCH,
    httpPort: 8080,
    httpsPort: 8443,
    txt: txt("winch"),
    interfaceAddress: IFACE,
    logger,
  });

async function advertise() {
  const out = { marks: {} };
  const sniffer = startSniffer();
  await sniffer.ready;
  const t0 = Date.now();
  const mark = (what) => {
    out.marks[what] = (Date.now() - t0) / 1000;
  };
  const log = logger();
  const adv = await startWinch(log.logger);
  mark("started");
  out.recordsAtStart = adv.records();

  // dig asks while the second announcement (t = 1 s) is still to come; the wait covers it.
  const host = `${WINCH}.local`;
  const [, a, aaaa, ptrHttp, ptrHttps, srvHttp, srvHttps, txtHttps, types] = await Promise.all([
    sleep(1600),
    dig(host, "A"),
    dig(host, "AAAA"),
    dig("_http._tcp.local", "PTR"),
    dig("_https._tcp.local", "PTR"),
    dig(`${WINCH}._http._tcp.local`, "SRV"),
    dig(`${WINCH}._https._tcp.local`, "SRV"),
    dig(`${WINCH}._https._tcp.local`, "TXT"),
    dig("_services._dns-sd._udp.local", "PTR"),
  ]);
  out.dig = { a, aaaa, ptrHttp, ptrHttps, srvHttp, srvHttps, txtHttps, types };
  // After the announcements, so the 1 s listening window holds only the replies to these queries.
  const [qm, legacy] = await Promise.all([
    pyQuery("_https._tcp.local", "PTR", 1),
    pyQuery(host, "A", 1, true),
  ]);
  out.py = { qm, legacy };

  out.badRename = await adv.rename("bad.name", txt("aircraft")).then(
    () => "accepted",
    (err) => err.message,
  );
  out.hostnameAfterBadRename = adv.hostname();

  mark("rename");
  await adv.rename(AIRCRAFT, txt("aircraft"));
  out.recordsAfterRename = adv.records();
  // The old name's dig waits out its 2 s timeout, which also covers the new name's second announcement.
  const [newA, oldA, newPtr, newTxt] = await Promise.all([
    dig(`${AIRCRAFT}.local`, "A"),
    dig(host, "A"),
    dig("_https._tcp.local", "PTR"),
    dig(`${AIRCRAFT}._https._tcp.local`, "TXT"),
  ]);
  out.afterRename = { newA, oldA, newPtr, newTxt };

  mark("stop");
  await adv.stop();
  await adv.stop(); // idempotent
  out.renameAfterStop = await adv.rename(WINCH).then(
    () => "accepted",
    (err) => err.message,
  );
  await sleep(300);
  out.afterStop = await dig(`${AIRCRAFT}.local`, "A");
  out.sniffed = await sniffer.stop();
  out.logs = log.lines;
  return out;
}

async function conflict() {
  const out = {};
  const one = logger();
  const two = logger();
  const base = {
    hostname: WINCH,
    httpPort: 8080,
    httpsPort: 8443,
    txt: txt("winch"),
    interfaceAddress: IFACE,
  };
  const first = await startMdns({ ...base, addresses: ["127.0.0.1"], logger: one.logger });
  await sleep(300);
  const second = await startMdns({ ...base, addresses: ["127.0.0.2"], logger: two.logger });
  await sleep(1600);
  out.answers = await pyQuery(`${WINCH}.local`, "A", 1);
  out.first = { hostname: first.hostname(), conflicts: first.conflicts(), records: first.records() };
  out.second = { hostname: second.hostname(), conflicts: second.conflicts(), records: second.records() };
  await Promise.all([first.stop(), second.stop()]);
  out.logs = { first: one.lines, second: two.lines };
  return out;
}

/** A real-world DNS-SD browser (python-zeroconf) finds, resolves and then sees the goodbyes. */
async function browse() {
  const log = logger();
  const adv = await startWinch(log.logger);
  const child = spawn("/usr/bin/python3", [ZEROCONF, IFACE], { stdio: ["pipe", "pipe", "pipe"] });
  const lines = [];
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d.toString();
  });
  let buffered = "";
  const exited = new Promise((r) => child.once("exit", r));
  const firstLine = new Promise((resolveLine) => {
    child.stdout.on("data", (d) => {
      buffered += d.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop();
      for (const part of parts) if (part) lines.push(JSON.parse(part));
      if (lines.length >= 1) resolveLine();
    });
  });
  await Promise.race([firstLine, exited, limit(20_000)]);
  await adv.stop();
  child.stdin.end("stopped\n");
  await Promise.race([exited, limit(10_000)]);
  child.kill();
  return { lines, stderr };
}

/**
 * A real avahi-daemon (D-Bus off) on the same host and interface, as on most board images. It runs in
 * a private mount namespace too: its pid file and service directory are compiled-in paths under /run
 * and /etc, which a tmpfs hides from the machine's own Avahi, if one runs.
 */
function startAvahi() {
  const conf = [
    "[server]",
    "host-name=boardhost",
    "domain-name=local",
    "use-ipv4=yes",
    "use-ipv6=no",
    "enable-dbus=no",
    `allow-interfaces=lo`,
    "[wide-area]",
    "enable-wide-area=no",
    "[publish]",
    "publish-addresses=yes",
    "publish-hinfo=no",
    "publish-workstation=no",
  ].join("\n");
  const service =
    '<?xml version="1.0" standalone="no"?><!DOCTYPE service-group SYSTEM "avahi-service.dtd">' +
    "<service-group><name>boardhost SSH</name><service><type>_ssh._tcp</type><port>22</port></service></service-group>";
  const script = [
    "set -e",
    "mount -t tmpfs tmpfs /run && mkdir -p /run/avahi-daemon",
    "mkdir -p /etc/avahi/services && mount -t tmpfs tmpfs /etc/avahi/services",
    `printf '%s' "$SERVICE" > /etc/avahi/services/ssh.service`,
    `printf '%s\n' "$CONF" > /run/avahi.conf`,
    "exec avahi-daemon --no-drop-root --no-chroot --no-rlimits --no-proc-title -f /run/avahi.conf",
  ].join("\n");
  const child = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
    env: { ...process.env, CONF: conf, SERVICE: service },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => {
    log += d.toString();
  });
  child.stderr.on("data", (d) => {
    log += d.toString();
  });
  const started = new Promise((r) => {
    const check = () => (log.includes("Server startup complete") ? r(true) : setTimeout(check, 50));
    check();
  });
  const stop = async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, limit(3000)]);
    child.kill("SIGKILL");
    return log;
  };
  return { ready: Promise.race([started, limit(10_000).then(() => false)]), stop };
}

/** Our responder beside Avahi: each answers its own names, neither renames, no conflict storm. */
async function avahi() {
  const out = {};
  const sniffer = startSniffer();
  await sniffer.ready;
  const daemon = startAvahi();
  out.avahiStarted = await daemon.ready;
  const log = logger();
  const adv = await startWinch(log.logger);
  // Past both responders' probes and announcements.
  await sleep(3000);
  // Multicast questions, as real browsers ask, each listening 2 s (a responder answers a record at most
  // once a second, so one that has just announced may wait before it answers): a legacy unicast query to port 5353 reaches only one
  // of the two sockets bound to it (the kernel picks), so dig cannot ask both daemons.
  // Avahi's host first and alone: once it has sent its A record (as an additional of another answer,
  // say), it waits a second before repeating it, which a querier started a moment later would miss.
  const theirsA = await pyAsk("boardhost.local", "A", ['boardhost.local A "127.0.0.1"']);
  const [oursA, https, ssh, types] = await Promise.all([
    pyAsk(`${WINCH}.local`, "A", [`${WINCH}.local A "127.0.0.1"`]),
    pyAsk("_https._tcp.local", "PTR", [`_https._tcp.local PTR "${WINCH}._https._tcp.local"`]),
    pyAsk("_ssh._tcp.local", "PTR", ['_ssh._tcp.local PTR "boardhost SSH._ssh._tcp.local"']),
    pyAsk(
      "_services._dns-sd._udp.local",
      "PTR",
      ["_https._tcp.local", "_http._tcp.local", "_ssh._tcp.local"].map(
        (t) => `_services._dns-sd._udp.local PTR "${t}"`,
      ),
    ),
  ]);
  out.queries = { oursA, theirsA, https, ssh, types };
  // A mode change renames ours while Avahi listens.
  await adv.rename(AIRCRAFT, txt("aircraft"));
  await sleep(2500);
  const theirsAfter = await pyAsk("boardhost.local", "A", ['boardhost.local A "127.0.0.1"']);
  const oursAfter = await pyAsk(`${AIRCRAFT}.local`, "A", [`${AIRCRAFT}.local A "127.0.0.1"`]);
  out.afterRename = { oursA: oursAfter, theirsA: theirsAfter };
  out.hostname = adv.hostname();
  out.conflicts = adv.conflicts();
  await adv.stop();
  out.avahiLog = await daemon.stop();
  out.sniffed = await sniffer.stop();
  out.logs = log.lines;
  return out;
}

const scenarios = { advertise, conflict, browse, avahi };
const scenario = scenarios[process.argv[2]];
if (!scenario) {
  process.stderr.write(`usage: netns-scenario.mjs ${Object.keys(scenarios).join("|")}\n`);
  process.exit(2);
}
const watchdog = setTimeout(() => {
  process.stderr.write("scenario took longer than 60 s\n");
  process.exit(4);
}, 60_000);
const result = await scenario();
clearTimeout(watchdog);
process.stdout.write(`${JSON.stringify(result)}\n`);
