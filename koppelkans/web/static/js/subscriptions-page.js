// The subscriptions page (C4): an organisation's interest area, drawn on the map (click the corners; a
// double-click or "Klaar" closes it) or uploaded as a file, sent to /api/subscriptions (JSON, lon/lat) or
// /api/subscriptions/upload (multipart). The form checks only that there is an area; the API's own messages
// go under the fields they name. The existing subscriptions are listed and their areas drawn on the map.

import { ApiError, clearFormErrors, showFormErrors, el, fetchJson, formatNumber, organisationName, t } from "./common.js";
import { boxOf, createMap, fitBox, whenLoaded } from "./map.js";

const EMPTY = { type: "FeatureCollection", features: [] };
const map = createMap("subscriptions-map");
const form = document.getElementById("subscription-form");
const message = document.getElementById("form-message");
const fileInput = document.getElementById("sub-area");
const draw = { active: false, vertices: [], closed: false };

// -- the map's layers ---------------------------------------------------------------------------
whenLoaded(map).then(() => {
  map.addSource("subscriptions", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "subscriptions-fill", type: "fill", source: "subscriptions", paint: { "fill-color": "#00838f", "fill-opacity": 0.12 } }, "draft-line");
  map.addLayer({ id: "subscriptions-line", type: "line", source: "subscriptions", paint: { "line-color": "#00838f", "line-width": 2 } }, "draft-line");
  map.addLayer(
    { id: "area-draft-fill", type: "fill", source: "draft", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#d500f9", "fill-opacity": 0.18 } },
    "draft-line",
  );
  loadList();
});

// -- drawing the area ---------------------------------------------------------------------------
/** The drawn area as a GeoJSON Polygon (its ring closed), or null with fewer than three corners. */
function drawnArea() {
  if (draw.vertices.length < 3) return null;
  return { type: "Polygon", coordinates: [[...draw.vertices, draw.vertices[0]]] };
}

function showDraft() {
  const features = [];
  const area = drawnArea();
  if (area) features.push({ type: "Feature", geometry: area, properties: {} });
  if (!draw.closed) {
    if (draw.vertices.length === 2) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: draw.vertices }, properties: {} });
    for (const vertex of draw.vertices) features.push({ type: "Feature", geometry: { type: "Point", coordinates: vertex }, properties: {} });
  }
  map.getSource("draft")?.setData({ type: "FeatureCollection", features });
  if (!form) return;
  const status = document.getElementById("area-status");
  if (fileInput.files.length) status.textContent = fileInput.files[0].name;
  else if (draw.closed) status.textContent = t("area_drawn", { n: draw.vertices.length });
  else if (draw.active) status.textContent = t("area_points", { n: draw.vertices.length });
  else status.textContent = t("no_area");
  document.getElementById("finish-area").disabled = !(draw.active && draw.vertices.length >= 3);
  document.getElementById("draw-area").setAttribute("aria-pressed", String(draw.active));
}

function startDrawing() {
  draw.active = true;
  draw.closed = false;
  draw.vertices = [];
  fileInput.value = "";
  map.doubleClickZoom.disable();
  map.getCanvas().style.cursor = "crosshair";
  showDraft();
}

function stopDrawing() {
  draw.active = false;
  map.getCanvas().style.cursor = "";
  // the double-click that closed the area must not zoom; zooming by double-click comes back afterwards
  setTimeout(() => map.doubleClickZoom.enable(), 400);
  showDraft();
}

function finishArea() {
  if (draw.vertices.length < 3) return;
  draw.closed = true;
  stopDrawing();
}

function clearArea() {
  draw.vertices = [];
  draw.closed = false;
  fileInput.value = "";
  stopDrawing();
}

if (form) {
  map.on("click", (event) => {
    if (!draw.active) return;
    const last = draw.vertices.at(-1);
    if (last) {
      const previous = map.project(last);
      if (Math.hypot(previous.x - event.point.x, previous.y - event.point.y) < 4) return; // a double-click's second click
    }
    draw.vertices.push([Number(event.lngLat.lng.toFixed(7)), Number(event.lngLat.lat.toFixed(7))]);
    showDraft();
  });
  map.on("dblclick", (event) => {
    if (!draw.active) return;
    event.preventDefault();
    finishArea();
  });
  document.getElementById("draw-area").addEventListener("click", () => (draw.active ? clearArea() : startDrawing()));
  document.getElementById("finish-area").addEventListener("click", finishArea);
  document.getElementById("clear-area").addEventListener("click", clearArea);
  fileInput.addEventListener("change", () => {
    draw.vertices = [];
    draw.closed = false;
    if (draw.active) stopDrawing();
    else showDraft();
  });
  form.addEventListener("submit", subscribe);
}

// -- the form -----------------------------------------------------------------------------------
function clearErrors() {
  clearFormErrors(form, message);
}

function showErrors(error) {
  showFormErrors(form, message, error, { heading: t("subscription_errors") });
}

/** The form's fields that have a value (the organisation even when it is fixed). */
function fields() {
  const values = {};
  for (const name of ["organisation", "email", "webhook_url", "secret", "language"]) {
    const value = form.elements[name].value.trim();
    if (value !== "") values[name] = value;
  }
  return values;
}

async function subscribe(event) {
  event.preventDefault();
  clearErrors();
  const area = draw.closed || draw.active ? drawnArea() : null;
  const file = fileInput.files[0];
  if (!area && !file) {
    showErrors(new ApiError(422, { error: { code: "validation_failed", message: t("area_needed"), field: "area" } }));
    return;
  }
  const button = document.getElementById("subscribe");
  button.disabled = true;
  try {
    const values = fields();
    if (file) {
      const body = new FormData();
      for (const [name, value] of Object.entries(values)) body.append(name, value);
      body.append("area", file, file.name);
      const layer = form.elements.layer.value.trim();
      if (layer) body.append("layer", layer);
      await fetchJson("/api/subscriptions/upload", { method: "POST", body });
    } else {
      await fetchJson("/api/subscriptions", { method: "POST", body: { ...values, area } });
    }
    clearArea();
    message.className = "form-ok";
    message.replaceChildren(t("subscribed"));
    await loadList();
  } catch (error) {
    showErrors(error instanceof ApiError ? error : new ApiError(0, { error: { message: error.message } }));
  } finally {
    button.disabled = false;
  }
}

// -- the list -----------------------------------------------------------------------------------
const listMessage = document.getElementById("list-message");

async function loadList() {
  const { data } = await fetchJson("/web/api/subscriptions");
  map.getSource("subscriptions")?.setData(data);
  const rows = data.features.map((feature) => {
    const s = feature.properties;
    const channels = [s.email, s.webhook_url && `${s.webhook_url}${s.signed ? " 🔒" : ""}`].filter(Boolean);
    return el(
      "tr",
      { "data-id": s.id, "data-organisation": s.organisation },
      el("td", {}, `${organisationName(s.organisation)} (${s.organisation})`),
      el("td", {}, channels.map((channel, i) => el("div", { class: i ? "muted" : null }, channel))),
      el("td", {}, t(`language_${s.language}`)),
      el("td", { class: "num" }, t("km2", { n: formatNumber(s.area_km2, 2) })),
      el(
        "td",
        {},
        el("button", { type: "button", class: "secondary show-area", onclick: () => showArea(feature) }, t("show_area")),
        s.may_delete ? el("button", { type: "button", class: "secondary delete", onclick: () => unsubscribe(s) }, t("delete")) : null,
      ),
    );
  });
  document.getElementById("subscriptions-body").replaceChildren(...rows);
  document.getElementById("subscriptions-empty").hidden = rows.length > 0;
}

function showArea(feature) {
  fitBox(map, boxOf(feature.geometry), { padding: 30, maxZoom: 16 });
  for (const tr of document.querySelectorAll("#subscriptions-body tr")) tr.classList.toggle("selected", tr.dataset.id === feature.properties.id);
}

async function unsubscribe(subscription) {
  if (!window.confirm(t("confirm_unsubscribe", { org: organisationName(subscription.organisation) }))) return;
  listMessage.replaceChildren();
  listMessage.className = "";
  try {
    await fetchJson(`/api/subscriptions/${encodeURIComponent(subscription.id)}`, { method: "DELETE" });
  } catch (error) {
    listMessage.className = "form-errors";
    listMessage.replaceChildren(`${t("not_saved")} ${error.message}`);
  }
  await loadList();
}

