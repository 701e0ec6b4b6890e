// Charts of the console, drawn by uPlot (a small, maintained canvas chart library without
// dependencies, about 22 KB gzip, loaded on demand as its own chunk so the first load stays small;
// CSP-safe: it sets styles through the CSSOM and never writes HTML; its CSS is in the app's). Each
// chart is a <figure> with a caption and its numbers in a table under "Show the numbers", so the
// data is readable without the canvas (screen readers, keyboard, copy).
import type uPlot from "uplot";
import { h } from "./dom.js";
import { table } from "./ui.js";

export type Charts = typeof uPlot;
let loading: Promise<Charts> | undefined;

/** The chart library, fetched once; start it alongside the data so neither waits for the other. */
export function loadCharts(): Promise<Charts> {
  loading ??= import("uplot").then((m) => m.default);
  return loading;
}

const COLORS = ["#2563eb", "#dc2626", "#d97706", "#059669", "#7c3aed", "#db2777"];

function chartWidth() {
  return Math.max(260, Math.min(560, window.innerWidth - 64));
}

function figure(id: string, caption: string, chart: HTMLElement, numbers: HTMLElement, points: number) {
  return h(
    "figure",
    { class: "chart", id, "data-points": points, "aria-label": caption },
    h("figcaption", {}, caption),
    chart,
    h("details", { class: "chart-data" }, h("summary", {}, "Show the numbers"), numbers),
  );
}

export interface TimeSeries {
  label: string;
  values: number[];
}

/** Lines over time (x: ISO bucket starts), e.g. calls and denials per hour. */
export function timeChart(uPlot: Charts, id: string, caption: string, starts: string[], series: TimeSeries[], bucketLabel: (iso: string) => string) {
  const el = h("div", { class: "chart-canvas" });
  const xs = starts.map((s) => Date.parse(s) / 1000);
  new uPlot(
    {
      width: chartWidth(),
      height: 220,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{}, { size: 48 }],
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 4 } }))],
    },
    [xs, ...series.map((s) => s.values)],
    el,
  );
  const rows = starts.map((start, i) => ({ start, values: series.map((s) => s.values[i] ?? 0) }));
  const numbers = table(
    caption,
    [
      { label: "From", value: (r: (typeof rows)[number]) => bucketLabel(r.start) },
      ...series.map((s, i) => ({ label: s.label, value: (r: (typeof rows)[number]) => String(r.values[i]) })),
    ],
    rows.filter((r) => r.values.some((v) => v > 0)),
  );
  return figure(
    id,
    caption,
    el,
    numbers,
    series.reduce((n, s) => n + s.values.filter((v) => v > 0).length, 0),
  );
}

export interface Bar {
  label: string;
  value: number;
  /** A second figure drawn beside the bar, e.g. the limit spend is measured against. */
  against?: number | null;
}

/** Bars by category (reason, PII category, agent, model); `format` renders values (e.g. dollars). */
export function barChart(
  uPlot: Charts,
  id: string,
  caption: string,
  bars: Bar[],
  options: { format?: (n: number) => string; againstLabel?: string; valueLabel?: string } = {},
) {
  const format = options.format ?? String;
  const el = h("div", { class: "chart-canvas" });
  const withAgainst = bars.some((b) => typeof b.against === "number");
  const xs = bars.map((_, i) => i);
  const bar = uPlot.paths.bars?.({ size: [0.6, 48], align: 0 });
  const series: uPlot.Series[] = [
    {},
    {
      label: options.valueLabel ?? "Count",
      fill: `${COLORS[0]}cc`,
      stroke: COLORS[0],
      paths: bar,
      points: { show: false },
      value: (_u, v) => (v === null ? "—" : format(v)),
    },
  ];
  const data: uPlot.AlignedData = [xs, bars.map((b) => b.value)];
  if (withAgainst) {
    series.push({
      label: options.againstLabel ?? "Limit",
      stroke: COLORS[1],
      width: 0,
      points: { show: true, size: 10, fill: COLORS[1] },
      value: (_u, v) => (v === null ? "—" : format(v)),
    });
    data.push(bars.map((b) => (typeof b.against === "number" ? b.against : null)));
  }
  new uPlot(
    {
      width: chartWidth(),
      height: 200,
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, bars.length - 0.5)] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { splits: () => xs, values: (_u, splits) => splits.map((i) => bars[i]?.label ?? ""), gap: 4 },
        { size: 56, values: (_u, splits) => splits.map(format) },
      ],
      series,
      legend: { show: withAgainst },
    },
    data,
    el,
  );
  const numbers = table(
    caption,
    [
      { label: "Name", value: (b: Bar) => b.label },
      { label: options.valueLabel ?? "Count", value: (b: Bar) => format(b.value) },
      ...(withAgainst
        ? [{ label: options.againstLabel ?? "Limit", value: (b: Bar) => (typeof b.against === "number" ? format(b.against) : "—") }]
        : []),
    ],
    bars,
  );
  return figure(id, caption, el, numbers, bars.length);
}
