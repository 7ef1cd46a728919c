// The monitoring dashboard: tiles, trend charts and tables are drawn on the server; this module fills the
// area and organisation choices and draws the heat map of openings per street segment (GET /api/kpi/openings)
// on the shared map, with the register's own layers hidden.

import { config, el, fetchJson, fillAreaSelect } from "./common.js";
import { applyFilters, createMap, whenLoaded } from "./map.js";

const kpi = config.kpi;
const HEAT = ["step", ["get", "openings"], "#ffe082", 2, "#fb8c00", 3, "#e53935", 4, "#6a1b9a"];

function fillChoices() {
  const area = document.getElementById("dashboard-area");
  fillAreaSelect(area);
  area.value = area.dataset.value;
  const org = document.getElementById("dashboard-org");
  for (const o of config.organisations) org.append(el("option", { value: o.code }, o.name));
  org.value = org.dataset.value;
}

async function drawOpenings(map) {
  const { data: openings } = await fetchJson(`/api/kpi/openings?${kpi.query}`);
  await whenLoaded(map);
  applyFilters(map, { year: null, layers: new Set() });
  map.addSource("openings", { type: "geojson", data: openings });
  map.addLayer({
    id: "openings-heat",
    type: "line",
    source: "openings",
    layout: { "line-cap": "round", "line-join": "round" },
    paint: { "line-color": HEAT, "line-width": ["interpolate", ["linear"], ["zoom"], 12, 2.5, 17, 8] },
  });
  window.koppelkansDashboard = { openings: openings.features.length };
  document.body.dataset.openingsLoaded = String(openings.features.length);
}

fillChoices();
drawOpenings(createMap("map"));
