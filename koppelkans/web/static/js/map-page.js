// The map page: the year slider, filters and layer switches drive the map's filters; a click on the
// map opens the record under the pointer in the details panel. `?work=ID` opens the map on a work.

import { config, el, fetchJson, t } from "./common.js";
import { ASSETS_MINZOOM, LAYER_GROUPS, applyFilters, boxOf, createMap, fitBox, highlight, whenLoaded } from "./map.js";
import { showRecord } from "./panel.js";

const map = createMap("map");
const panel = document.getElementById("panel");
const year = document.getElementById("year");
const yearValue = document.getElementById("year-value");

function checked(name) {
  return new Set([...document.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value));
}

function state() {
  return {
    year: Number(year.value),
    organisation: document.getElementById("organisation").value,
    disciplines: checked("discipline"),
    statuses: checked("status"),
    layers: checked("layer"),
  };
}

function update() {
  yearValue.value = year.value;
  applyFilters(map, state());
}

function drawDueLegend() {
  const legend = document.getElementById("due-legend");
  if (!legend) return;
  const steps = config.colours.due;
  steps.forEach(([offset, colour], i) => {
    const next = steps[i + 1];
    const from = config.years[0] + offset;
    const text = i === 0 ? `${t("legend_due_now")} (≤ ${from + (next ? next[0] - 1 : 0)})` : next ? `${from}–${config.years[0] + next[0] - 1}` : `≥ ${from}`;
    legend.append(el("li", {}, el("span", { class: "swatch swatch-halo", style: { "--swatch": colour } }), text));
  });
}

// Which layer a click picks first: the most specific thing under the pointer.
const PICK_ORDER = [
  ["works", LAYER_GROUPS.works],
  ["assets", [...LAYER_GROUPS.assets, ...LAYER_GROUPS.due]],
  ["segments", LAYER_GROUPS.segments],
  ["tasks", ["tasks-fill"]],
];

function pick(point) {
  const box = [
    [point.x - 5, point.y - 5],
    [point.x + 5, point.y + 5],
  ];
  for (const [kind, layers] of PICK_ORDER) {
    const visible = layers.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, "visibility") !== "none");
    const features = map.queryRenderedFeatures(box, { layers: visible });
    if (features.length) return { kind, feature: features[0] };
  }
  return null;
}

const clickable = PICK_ORDER.flatMap(([, layers]) => layers);
map.on("mousemove", (event) => {
  const over = map.queryRenderedFeatures(event.point, { layers: clickable.filter((id) => map.getLayer(id)) });
  map.getCanvas().style.cursor = over.length ? "pointer" : "";
});

map.on("click", (event) => {
  const hit = pick(event.point);
  if (!hit) return;
  const { kind, feature } = hit;
  showRecord(panel, map, kind, feature.properties.id, feature.properties);
});

function updateZoomHint() {
  const hint = document.getElementById("zoom-hint");
  if (hint) hint.hidden = map.getZoom() >= ASSETS_MINZOOM;
}

document.getElementById("panel-close").addEventListener("click", () => {
  highlight(map, null);
  document.getElementById("panel-body").replaceChildren(el("p", { class: "help" }, t("panel_hint")));
  document.getElementById("panel-close").hidden = true;
});

async function openWorkFromUrl() {
  const id = new URLSearchParams(window.location.search).get("work");
  if (!id) return;
  const { data } = await fetchJson(`/api/works/${encodeURIComponent(id)}`);
  if (data.geometry) fitBox(map, boxOf(data.geometry), { padding: 80 });
  showRecord(panel, map, "works", id);
}

whenLoaded(map).then(() => {
  drawDueLegend();
  update();
  updateZoomHint();
  map.on("zoomend", updateZoomHint);
  year.addEventListener("input", update);
  for (const input of document.querySelectorAll(".sidebar input, .sidebar select")) {
    if (input !== year) input.addEventListener("change", update);
  }
  openWorkFromUrl().catch(() => {});
});
