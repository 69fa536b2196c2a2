/**
 * Hardware buses shared by the sensor and the display drivers. The optional native packages are loaded
 * only when a real chip is asked for, so a machine without them (or without the bus) runs everything
 * else. May import only `src/core`.
 */
import { access, constants } from "node:fs/promises";

/**
 * Opens Linux I2C bus `busNumber` through the optional `i2c-bus` package (its promisified API), typed as
 * the caller's view of a bus. `purpose` names who needs it in the error ("the OLED display").
 */
export async function openI2c<Bus>(busNumber: number, purpose: string): Promise<Bus> {
  const pkg = "i2c-bus";
  let mod: { openPromisified?: (n: number) => Promise<Bus> };
  try {
    mod = (await import(pkg)) as typeof mod;
  } catch (err) {
    throw new Error(
      `${purpose} needs the optional package i2c-bus, which is not installed or did not build (${(err as Error).message}); install it with "npm install i2c-bus" on a Linux board`,
    );
  }
  const open = mod.openPromisified ?? (mod as { default?: typeof mod }).default?.openPromisified;
  if (!open) throw new Error("the installed i2c-bus package has no openPromisified(); need i2c-bus 5.x");
  const dev = `/dev/i2c-${busNumber}`;
  try {
    // i2c-bus opens the device file lazily on the first transfer; check now so the caller can say why.
    await access(dev, constants.R_OK | constants.W_OK);
    return await open(busNumber);
  } catch (err) {
    throw new Error(
      `cannot open I2C bus ${busNumber} (${dev}): ${(err as Error).message}; is I2C enabled and is the user in the i2c group?`,
    );
  }
}
