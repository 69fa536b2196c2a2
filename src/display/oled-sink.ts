import { contentKey } from "./content.js";
import { createCanvas } from "./mono-canvas.js";
import { OLED_HEIGHT, OLED_WIDTH, renderOled } from "./oled-layout.js";
import type { DisplaySink } from "./sink.js";
import type { Oled } from "./ssd1306.js";

/** The OLED as a display: draws the content and lets the driver send the pages that changed. */
export function oledSink(oled: Oled): DisplaySink {
  const canvas = createCanvas(OLED_WIDTH, OLED_HEIGHT);
  let lastKey: string | null = null;
  return {
    name: "oled",
    async open() {
      lastKey = null;
      await oled.open();
    },
    async show(content) {
      const key = contentKey(content);
      if (key === lastKey) return;
      await oled.draw(renderOled(content, canvas));
      lastKey = key;
    },
    async close() {
      lastKey = null;
      await oled.close();
    },
  };
}
