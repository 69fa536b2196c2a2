import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { clockTime } from "../format.js";
import { t } from "../i18n/translate.js";

/**
 * uPlot is about 40 % of the app: it is fetched the first time a graph is shown, not on every first
 * load (one extra request, cached afterwards). The CSS is tiny and stays in app.css.
 */
let uplotModule: Promise<typeof uPlot> | null = null;
function loadUplot(): Promise<typeof uPlot> {
  uplotModule ??= import("uplot").then((m) => m.default);
  // A failed fetch (device gone for a moment) is tried again next time.
  uplotModule.catch(() => {
    uplotModule = null;
  });
  return uplotModule;
}

export interface Band {
  min: number;
  opt: number;
  max: number;
}

/** Samples as uPlot wants them: times (s since epoch) and IAS values, same length. */
export interface Samples {
  t: number[];
  ias: number[];
}

/** A moment marked on the graph (the release): a dashed vertical line with a short label. */
export interface Mark {
  /** Seconds since epoch, like `Samples.t`. */
  t: number;
  label: string;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * IAS over time (uPlot on a canvas), with the target band shaded when known. Sized to its container;
 * the chart is created once and fed with setData, so a 2 Hz update costs one redraw.
 */
export function IasGraph({
  samples,
  band,
  unit,
  theme,
  windowS,
  emptyNote,
  marks,
}: {
  samples: Samples;
  band: Band | null;
  unit: string;
  /** Re-creates the chart with the theme's colours when it changes. */
  theme: string;
  /** Show only the last this many seconds (a moving window); absent: everything recorded. */
  windowS?: number;
  /** What the empty graph says instead of an axis; a page may explain when it records. */
  emptyNote?: string;
  /** Moments to mark (the release of a recorded launch); none on the live graphs. */
  marks?: readonly Mark[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const bandRef = useRef(band);
  bandRef.current = band;
  const samplesRef = useRef(samples);
  samplesRef.current = samples;
  const marksRef = useRef(marks);
  marksRef.current = marks;
  const [lib, setLib] = useState<typeof uPlot | null>(null);
  const [libFailed, setLibFailed] = useState(false);

  useEffect(() => {
    let live = true;
    loadUplot().then(
      (u) => live && setLib(() => u),
      () => live && setLibFailed(true),
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el || !lib) return;
    const line = cssVar("--graph-line", "#0050c8");
    const axis = cssVar("--fg", "#000");
    const grid = cssVar("--grid", "rgba(0,0,0,0.15)");
    const fill = cssVar("--graph-band", "rgba(10,125,44,0.18)");
    const markColour = cssVar("--warn", "#7a4700");
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: Math.max(160, Math.min(320, Math.round(el.clientWidth * 0.45))),
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: {
          time: true,
          // No samples: uPlot would span 1970; show the last window up to now instead.
          range: (u, lo, hi) => {
            if (!u.data[0]?.length || !Number.isFinite(hi)) {
              const now = Date.now() / 1000;
              return [now - (windowS ?? 60), now];
            }
            return windowS ? [hi - windowS, hi] : [lo, Math.max(hi, lo + 10)];
          },
        },
        y: {
          range: (_u, _lo, hi) => {
            const b = bandRef.current;
            const top = Math.max(hi, b ? b.max * 1.15 : 0, 10);
            return [0, Math.ceil(top / 10) * 10];
          },
        },
      },
      axes: [
        {
          stroke: axis,
          grid: { stroke: grid },
          ticks: { stroke: grid },
          values: (u, splits) => (u.data[0]?.length ? splits.map(clockLabel) : splits.map(() => "")),
        },
        { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, label: unit, size: 50 },
      ],
      series: [{}, { label: t("graph.ias"), stroke: line, width: 3, points: { show: false } }],
      hooks: {
        drawClear: [
          (u) => {
            const b = bandRef.current;
            if (!b) return;
            const { ctx } = u;
            const top = u.valToPos(b.max, "y", true);
            const bottom = u.valToPos(b.min, "y", true);
            ctx.save();
            ctx.fillStyle = fill;
            ctx.fillRect(u.bbox.left, top, u.bbox.width, bottom - top);
            const opt = u.valToPos(b.opt, "y", true);
            ctx.strokeStyle = fill.replace(/[\d.]+\)$/, "0.8)");
            ctx.setLineDash([6, 4]);
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, opt);
            ctx.lineTo(u.bbox.left + u.bbox.width, opt);
            ctx.stroke();
            ctx.restore();
          },
        ],
        draw: [
          (u) => {
            const ms = marksRef.current;
            if (!ms?.length) return;
            const { ctx } = u;
            const px = devicePixelRatio || 1;
            ctx.save();
            ctx.strokeStyle = markColour;
            ctx.fillStyle = markColour;
            ctx.lineWidth = 2 * px;
            ctx.setLineDash([5 * px, 3 * px]);
            ctx.font = `${Math.round(12 * px)}px sans-serif`;
            ctx.textBaseline = "top";
            for (const m of ms) {
              const x = Math.round(u.valToPos(m.t, "x", true));
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              // The label sits right of the line, or left of it near the right edge.
              const w = ctx.measureText(m.label).width;
              const right = x + 4 * px + w <= u.bbox.left + u.bbox.width;
              ctx.fillText(m.label, right ? x + 4 * px : x - 4 * px - w, u.bbox.top + 2 * px);
            }
            ctx.restore();
          },
        ],
      },
    };
    const p = new lib(opts, [samplesRef.current.t, samplesRef.current.ias], el);
    plot.current = p;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      p.setSize({ width: w, height: Math.max(160, Math.min(320, Math.round(w * 0.45))) });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      p.destroy();
      plot.current = null;
    };
  }, [lib, theme, unit, windowS]);

  useEffect(() => {
    plot.current?.setData([samples.t, samples.ias]);
  }, [samples]);

  return (
    <div class="graph-wrap">
      <div
        class="graph"
        ref={box}
        role="img"
        aria-label={t("graph.label", { unit, count: samples.t.length })}
      />
      {libFailed && (
        <p class="graph-empty" role="status">
          {t("graph.failed")}
        </p>
      )}
      {!libFailed && samples.t.length === 0 && (
        <p class="graph-empty" data-testid="graph-empty">
          {emptyNote ?? t("graph.empty")}
        </p>
      )}
    </div>
  );
}

/** Wall-clock time of day for the time axis, as the viewer's language writes it. */
function clockLabel(s: number): string {
  return clockTime(new Date(s * 1000));
}

/** Appends a sample, keeping at most `max` (a new object, so effects see the change). */
export function appendSample(s: Samples, t: number, ias: number, max: number): Samples {
  const drop = Math.max(0, s.t.length + 1 - max);
  return { t: [...s.t.slice(drop), t], ias: [...s.ias.slice(drop), ias] };
}

export const EMPTY_SAMPLES: Samples = { t: [], ias: [] };
