// The shared map: MapLibre GL over the register's vector tiles (/tiles/{layer}/{z}/{x}/{y}.pbf), one style
// for every page. Disciplines carry their KLIC colours, works their status in line weight and dash,
// assets due for renewal a halo coloured by due year, area tasks a fill by theme. The map object is
// `window.koppelkansMap`, for tests and for power users who script it.

import { config } from "./common.js";

const maplibregl = window.maplibregl;
const EMPTY = { type: "FeatureCollection", features: [] };
const THIS_YEAR = config.years[0];

const LINES = ["in", ["geometry-type"], ["literal", ["LineString", "MultiLineString"]]];
const POLYGONS = ["in", ["geometry-type"], ["literal", ["Polygon", "MultiPolygon"]]];
const POINTS = ["in", ["geometry-type"], ["literal", ["Point", "MultiPoint"]]];

/** Layer ids per register layer (what the layer checkboxes switch and the tests query). */
export const LAYER_GROUPS = {
  areas: ["areas-line"],
  tasks: ["tasks-fill", "tasks-outline"],
  segments: ["segments-line"],
  assets: ["assets-fill", "assets-line", "assets-point"],
  due: ["due-halo-line", "due-halo-point"],
  works: ["works-fill", "works-casing", "works-line-idea", "works-line-planned", "works-line-firm", "works-line-past", "works-point"],
};

const ALL_TILE_SOURCES = {
  areas: { minzoom: 0 },
  tasks: { minzoom: 0 },
  segments: { minzoom: 13 },
  works: { minzoom: 0 },
  assets: { minzoom: 15 },
};
export const ASSETS_MINZOOM = ALL_TILE_SOURCES.assets.minzoom;
/** The public works view (an anonymous visitor) draws the works alone: no other layer is even asked for. */
const TILE_SOURCES = config.user.public ? { works: ALL_TILE_SOURCES.works } : ALL_TILE_SOURCES;

function colourBy(property, colours, fallback = "#607d8b") {
  return ["match", ["coalesce", ["get", property], ""], ...Object.entries(colours).flat(), fallback];
}

const disciplineColour = colourBy("discipline", config.colours.discipline);
const themeColour = colourBy("theme", config.colours.theme);

function dueColour(year) {
  const [[, first], ...rest] = config.colours.due;
  return ["step", ["-", ["get", "due_year"], year], first, ...rest.flat()];
}

function statusValue(field, fallback) {
  const styles = config.colours.status;
  return ["match", ["coalesce", ["get", "status"], "idea"], ...Object.entries(styles).flatMap(([s, v]) => [s, v[field]]), fallback];
}

function tileSource(layer) {
  return {
    type: "vector",
    tiles: [`${window.location.origin}/tiles/${layer}/{z}/{x}/{y}.pbf`],
    minzoom: TILE_SOURCES[layer].minzoom,
    maxzoom: 16,
  };
}

function workLine(id, statuses, dash) {
  const layer = {
    id,
    type: "line",
    source: "works",
    "source-layer": "works",
    filter: ["all", LINES, ["in", ["coalesce", ["get", "status"], "idea"], ["literal", statuses]]],
    layout: { "line-cap": dash ? "butt" : "round", "line-join": "round" },
    paint: {
      "line-color": disciplineColour,
      "line-width": ["interpolate", ["linear"], ["zoom"], 11, ["*", 0.6, statusValue("width", 3)], 16, ["*", 1.3, statusValue("width", 3)]],
      "line-opacity": statusValue("opacity", 1),
    },
  };
  if (dash) layer.paint["line-dasharray"] = dash;
  return layer;
}

/** The MapLibre style of the register: base map (when configured), then areas, streets, assets, works. */
export function registerStyle({ basemap = true } = {}) {
  const sources = {
    highlight: { type: "geojson", data: EMPTY },
    draft: { type: "geojson", data: EMPTY },
  };
  for (const layer of Object.keys(TILE_SOURCES)) sources[layer] = tileSource(layer);
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#f4f2ee" } }];
  if (basemap && config.basemap.url) {
    sources.basemap = { type: "raster", tiles: [config.basemap.url], tileSize: 256, maxzoom: 19, attribution: config.basemap.attribution };
    layers.push({ id: "basemap", type: "raster", source: "basemap", paint: { "raster-opacity": 0.85 } });
  }
  const tileLayer = (id, source, type, extra) => ({ id, type, source, "source-layer": source, ...extra });
  layers.push(
    tileLayer("tasks-fill", "tasks", "fill", {
      paint: { "fill-color": themeColour, "fill-opacity": ["interpolate", ["linear"], ["zoom"], 11, 0.14, 15, 0.05] },
    }),
    tileLayer("tasks-outline", "tasks", "line", {
      paint: { "line-color": themeColour, "line-width": 1.4, "line-opacity": 0.7, "line-dasharray": [3, 2] },
    }),
    tileLayer("areas-line", "areas", "line", {
      filter: ["!=", ["get", "level"], "gemeente"],
      paint: {
        "line-color": "#455a64",
        "line-width": ["match", ["get", "level"], "wijk", 2.2, 0.9],
        "line-opacity": ["match", ["get", "level"], "wijk", 0.75, 0.5],
      },
    }),
    tileLayer("segments-line", "segments", "line", {
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": "#a8a39a",
        "line-width": ["interpolate", ["linear"], ["zoom"], 11, 0.6, 14, 2, 17, 7],
        "line-opacity": 0.9,
      },
    }),
    tileLayer("due-halo-line", "assets", "line", {
      filter: ["all", LINES, ["has", "due_year"]],
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": dueColour(THIS_YEAR), "line-width": ["interpolate", ["linear"], ["zoom"], 15, 6, 18, 14], "line-opacity": 0.6 },
    }),
    tileLayer("due-halo-point", "assets", "circle", {
      filter: ["all", POINTS, ["has", "due_year"]],
      paint: { "circle-color": dueColour(THIS_YEAR), "circle-radius": ["interpolate", ["linear"], ["zoom"], 15, 5, 18, 10], "circle-opacity": 0.6 },
    }),
    tileLayer("assets-fill", "assets", "fill", { filter: POLYGONS, paint: { "fill-color": disciplineColour, "fill-opacity": 0.35 } }),
    tileLayer("assets-line", "assets", "line", {
      filter: LINES,
      paint: { "line-color": disciplineColour, "line-width": ["interpolate", ["linear"], ["zoom"], 15, 1.1, 18, 3] },
    }),
    tileLayer("assets-point", "assets", "circle", {
      filter: POINTS,
      paint: {
        "circle-color": disciplineColour,
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 15, 1.8, 18, 5],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 0.6,
      },
    }),
    { id: "highlight-fill", type: "fill", source: "highlight", filter: POLYGONS, paint: { "fill-color": "#ffd600", "fill-opacity": 0.35 } },
    {
      id: "highlight-line",
      type: "line",
      source: "highlight",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": "#ffc400", "line-width": ["interpolate", ["linear"], ["zoom"], 11, 6, 17, 18], "line-opacity": 0.75 },
    },
    tileLayer("works-fill", "works", "fill", { filter: POLYGONS, paint: { "fill-color": disciplineColour, "fill-opacity": 0.3 } }),
    tileLayer("works-casing", "works", "line", {
      filter: LINES,
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": "#ffffff",
        "line-width": ["interpolate", ["linear"], ["zoom"], 11, ["+", 1.5, ["*", 0.6, statusValue("width", 3)]], 16, ["+", 3, ["*", 1.3, statusValue("width", 3)]]],
        "line-opacity": 0.85,
      },
    }),
    workLine("works-line-idea", ["idea"], [1.5, 1.2]),
    workLine("works-line-planned", ["planned"], [4, 1.5]),
    workLine("works-line-firm", ["committed", "in_progress"], null),
    workLine("works-line-past", ["done", "cancelled"], [0.5, 1.5]),
    tileLayer("works-point", "works", "circle", {
      filter: POINTS,
      paint: {
        "circle-color": disciplineColour,
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 11, 2.5, 14, 4.5, 17, 7],
        "circle-stroke-color": "#263238",
        "circle-stroke-width": ["interpolate", ["linear"], ["zoom"], 11, 0.4, 15, 1.2],
        "circle-opacity": statusValue("opacity", 1),
      },
    }),
    { id: "draft-line", type: "line", source: "draft", filter: LINES, paint: { "line-color": "#d500f9", "line-width": 4, "line-dasharray": [2, 1] } },
    {
      id: "draft-point",
      type: "circle",
      source: "draft",
      filter: POINTS,
      paint: { "circle-color": "#ffffff", "circle-radius": 5, "circle-stroke-color": "#d500f9", "circle-stroke-width": 2 },
    },
  );
  return { version: 8, sources, layers: layers.filter((layer) => !layer.source || sources[layer.source]) };
}

/** A map of the register in `container`, framed on the register's extent, exposed as window.koppelkansMap. */
export function createMap(container, { basemap = true } = {}) {
  performance.mark("koppelkans:map-create");
  const map = new maplibregl.Map({
    container,
    style: registerStyle({ basemap }),
    bounds: config.extent,
    fitBoundsOptions: { padding: 24 },
    maxZoom: 19,
    attributionControl: { compact: true },
    dragRotate: false,
    pitchWithRotate: false,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  // A tile that fails (the base map offline or behind a firewall) is marked errored without a new frame: when
  // it was the last one awaited, MapLibre would never render again, so "load" and "idle" would never fire.
  map.on("error", (event) => {
    if (event.tile) map.triggerRepaint();
    else console.error(event.error);
  });
  map.ready = new Promise((resolve) => map.once("load", () => resolve(map)));
  map.once("load", () => performance.mark("koppelkans:map-load"));
  map.once("idle", () => performance.mark("koppelkans:map-idle"));
  window.koppelkansMap = map;
  return map;
}

/** What the map shows: `year` (null = every year), `organisation` ("" = all), sets of `disciplines`, `statuses`
 * and `layers` (null = no restriction), and `only` the works and assets with these ids ({works, assets}). */
export function applyFilters(map, { year, organisation = "", disciplines = null, statuses = null, layers = null, only = null }) {
  const setFilter = (id, filter) => map.getLayer(id) && map.setFilter(id, filter);
  const byId = (ids) => (ids ? [["in", ["get", "id"], ["literal", ids]]] : []);
  const byOrganisation = organisation ? [["==", ["get", "organisation"], organisation]] : [];
  const byDiscipline = disciplines ? [["in", ["get", "discipline"], ["literal", [...disciplines]]]] : [];
  const byStatus = statuses ? [["in", ["coalesce", ["get", "status"], "idea"], ["literal", [...statuses]]]] : [];
  const inWindow = year === null ? [] : [["<=", ["get", "earliest_start"], year], [">=", ["get", "latest_start"], year]];
  const worksFilter = [...inWindow, ...byOrganisation, ...byDiscipline, ...byStatus, ...byId(only?.works)];
  const statusOf = {
    "works-line-idea": ["idea"],
    "works-line-planned": ["planned"],
    "works-line-firm": ["committed", "in_progress"],
    "works-line-past": ["done", "cancelled"],
  };
  for (const id of LAYER_GROUPS.works) {
    const geometry = id === "works-fill" ? POLYGONS : id === "works-point" ? POINTS : LINES;
    const own = statusOf[id] ? [["in", ["coalesce", ["get", "status"], "idea"], ["literal", statusOf[id]]]] : [];
    setFilter(id, ["all", geometry, ...own, ...worksFilter]);
  }
  const assetFilter = [...byOrganisation, ...byDiscipline, ...byId(only?.assets)];
  setFilter("assets-fill", ["all", POLYGONS, ...assetFilter]);
  setFilter("assets-line", ["all", LINES, ...assetFilter]);
  setFilter("assets-point", ["all", POINTS, ...assetFilter]);
  const due = [["has", "due_year"], ["<=", ["get", "due_year"], year ?? config.years[1]], ...assetFilter];
  setFilter("due-halo-line", ["all", LINES, ...due]);
  setFilter("due-halo-point", ["all", POINTS, ...due]);
  const openTasks = [...(year === null ? [] : [[">=", ["get", "target_year"], year]]), ...byOrganisation];
  setFilter("tasks-fill", ["all", ...openTasks]);
  setFilter("tasks-outline", ["all", ...openTasks]);
  if (layers) {
    for (const [group, ids] of Object.entries(LAYER_GROUPS)) {
      for (const id of ids.filter((layer) => map.getLayer(layer))) map.setLayoutProperty(id, "visibility", layers.has(group) ? "visible" : "none");
    }
  }
}

/** Show a GeoJSON feature (or collection) as the highlight; null clears it. */
export function highlight(map, geojson) {
  map.getSource("highlight").setData(geojson ?? EMPTY);
}

/** Frame a [west, south, east, north] box, not closer than street level. */
export function fitBox(map, bbox, { padding = 60, maxZoom = 17 } = {}) {
  if (!bbox) return;
  map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding, maxZoom, duration: 0 });
}

/** The [west, south, east, north] box of a GeoJSON geometry. */
export function boxOf(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (coords) => {
    if (typeof coords[0] === "number") {
      box[0] = Math.min(box[0], coords[0]);
      box[1] = Math.min(box[1], coords[1]);
      box[2] = Math.max(box[2], coords[0]);
      box[3] = Math.max(box[3], coords[1]);
    } else coords.forEach(visit);
  };
  if (geometry.type === "GeometryCollection") geometry.geometries.forEach((g) => visit(g.coordinates));
  else visit(geometry.coordinates);
  return box;
}

/** Resolve when the map has loaded its style (at once if it has). */
export function whenLoaded(map) {
  return map.ready;
}
