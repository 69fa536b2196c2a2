import { Value } from "typebox/value";
import { describe, expect, it } from "vitest";
import { DEFAULT_AIRCRAFT_PROFILE } from "../../src/aircraft/profile.js";
import { Transmitter } from "../../src/aircraft/transmitter.js";
import { TxStateSchema } from "../../src/api/schemas/aircraft-live.js";
import { LaunchHistory } from "../../src/api/schemas/history.js";
import { RadioPatch, RadioView } from "../../src/api/schemas/radio.js";
import { Status } from "../../src/api/schemas/status.js";
import { WinchState } from "../../src/api/schemas/winch.js";
import { ManualClock } from "../../src/core/clock.js";
import { createDeviceLogger } from "../../src/device/logger.js";
import { RadioService } from "../../src/radio/radio-service.js";
import { radioStatus } from "../../src/radio/radio-status.js";
import { SimMedium } from "../../src/radio/sim-link.js";
import { LaunchHistory as History, memoryLaunchStore } from "../../src/winch/history.js";
import { WinchReceiver } from "../../src/winch/receiver.js";

/**
 * The runtime objects are served as they are by /api/winch, /api/history, /api/radio, /api/status and
 * /api/aircraft/live; this pins them to the API's published schemas so neither side drifts.
 */
describe("runtime objects match the API schemas", () => {
  it("winch snapshot, history, radio view, tx state and status radio counters", async () => {
    const clock = new ManualClock();
    const { logger } = createDeviceLogger({ destination: null });
    const medium = new SimMedium({ clock, seed: 5 });
    const ch = { frequency_hz: 0, modem: "gfsk" as const };
    const txRadio = new RadioService({ link: medium.attach([0, 0, 100], ch), logger, clock });
    const rxRadio = new RadioService({ link: medium.attach([0, 0, 0], ch), logger, clock });
    let ias = 70;
    const tx = new Transmitter({
      radio: txRadio,
      logger,
      clock,
      input: {
        latest: () => ({ reading: { ias, flight_phase: "airborne" }, at_ms: clock.now() }),
        profile: () => DEFAULT_AIRCRAFT_PROFILE,
      },
    });
    const rx = new WinchReceiver({ logger, clock });
    rx.attach(rxRadio);
    const history = await History.open({ store: memoryLaunchStore(), logger });
    history.follow(rx);
    expect(Value.Errors(WinchState, rx.snapshot())).toEqual([]);
    for (let i = 0; i < 20; i++) {
      ias += 3;
      await tx.tick();
      clock.advance(200);
    }
    expect(Value.Errors(WinchState, rx.snapshot())).toEqual([]);
    expect(rx.snapshot().telemetry).not.toBeNull();
    expect(Value.Errors(TxStateSchema, tx.status())).toEqual([]);
    clock.advance(1000);
    expect(Value.Errors(WinchState, rx.snapshot())).toEqual([]); // stale
    clock.advance(10_000);
    rx.tick(); // no_signal ends the launch
    expect(rx.snapshot()).toEqual({ telemetry: null, link: "no_signal", unpaired_heard: [] });
    expect(history.launches()).toHaveLength(1);
    expect(Value.Errors(LaunchHistory, { launches: history.launches() })).toEqual([]);
    expect(Value.Errors(RadioView, txRadio.view())).toEqual([]);
    expect(Value.Check(RadioPatch, { frequency_hz: 869_500_000 })).toBe(true);
    const radio = Status.properties.radio;
    expect(Value.Errors(radio, radioStatus(rxRadio, rx))).toEqual([]);
    expect(Value.Errors(radio, radioStatus(txRadio))).toEqual([]);
    expect(radioStatus(txRadio)).toMatchObject({ sent: 20, duty_blocked: 0 });
    expect(radioStatus(rxRadio, rx)).toMatchObject({ received: 20, lost: 0, bad_frames: 0 });
  });
});
