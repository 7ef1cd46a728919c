// The works register page: a searchable, sortable table of works, and a form to add or edit one. The
// form validates nothing itself: it sends the work to /api/works (POST, or PATCH with If-Match) and shows
// the API's own messages next to the fields they name. The location is drawn on the map (a line) or made
// of street segments (clicked on the map or typed as ids).

import { ApiError, clearFormErrors, showFormErrors, el, fetchJson, formatEuro, formatNumber, label, organisationName, query, t, yearRange } from "./common.js";
import { applyFilters, boxOf, createMap, fitBox, whenLoaded } from "./map.js";

const map = createMap("form-map");
const form = document.getElementById("work-form");
const message = document.getElementById("form-message");
const segmentsInput = document.getElementById("work-segments");
const PAGE = 50;
const NUMBERS = ["earliest_start", "latest_start", "preferred_start", "duration_months", "cost_eur", "dig_free_years"];
const FIELDS = ["id", "organisation", "title", "discipline", "kind", "status", "phase", "project_type", ...NUMBERS];
const list = { q: "", organisation: "", discipline: "", status: "", sort: "earliest_start", offset: 0 };
const edit = { id: null, etag: null, original: null };
const shape = { mode: null, vertices: [], geometry: null, segments: "" };

// -- the table ---------------------------------------------------------------------------------
async function loadTable() {
  const body = document.getElementById("works-body");
  const { data: page } = await fetchJson(`/web/api/works${query({ ...list, limit: PAGE })}`);
  body.replaceChildren(
    ...page.items.map((work) =>
      el(
        "tr",
        { "data-id": work.id, class: work.id === edit.id ? "selected" : "" },
        el("td", {}, el("code", {}, work.id)),
        el("td", {}, work.title ?? ""),
        el("td", {}, organisationName(work.organisation)),
        el("td", {}, label("discipline", work.discipline)),
        el("td", {}, label("status", work.status)),
        el("td", {}, yearRange(work.earliest_start, work.latest_start)),
        el("td", { class: "num" }, work.cost_eur === null ? "" : formatEuro(work.cost_eur)),
        el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => openWork(work.id) }, t("edit"))),
      ),
    ),
  );
  const last = Math.min(page.offset + page.limit, page.total);
  document.getElementById("works-count").textContent = `${formatNumber(page.total)} ${t("works_count")}`;
  document.getElementById("works-page").textContent = page.total ? `${page.offset + 1}–${last} ${t("of")} ${formatNumber(page.total)}` : "";
  document.getElementById("works-previous").disabled = page.offset === 0;
  document.getElementById("works-next").disabled = last >= page.total;
  markSort();
}

let searchTimer = null;
document.getElementById("works-q").addEventListener("input", (event) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    list.q = event.target.value;
    list.offset = 0;
    loadTable();
  }, 250);
});
for (const name of ["organisation", "discipline", "status"]) {
  document.getElementById(`works-${name}`).addEventListener("change", (event) => {
    list[name] = event.target.value;
    list.offset = 0;
    loadTable();
  });
}
function markSort() {
  const column = list.sort.replace(/^-/, "");
  for (const button of document.querySelectorAll("#works-table th button")) {
    const active = button.dataset.sort === column;
    button.parentElement.setAttribute("aria-sort", active ? (list.sort.startsWith("-") ? "descending" : "ascending") : "none");
    button.dataset.arrow = active ? (list.sort.startsWith("-") ? " ↓" : " ↑") : "";
  }
}

for (const button of document.querySelectorAll("#works-table th button")) {
  button.addEventListener("click", () => {
    const column = button.dataset.sort;
    list.sort = list.sort === column ? `-${column}` : column;
    list.offset = 0;
    loadTable();
  });
}
document.getElementById("works-previous").addEventListener("click", () => {
  list.offset = Math.max(0, list.offset - PAGE);
  loadTable();
});
document.getElementById("works-next").addEventListener("click", () => {
  list.offset += PAGE;
  loadTable();
});

// -- the location ------------------------------------------------------------------------------
function showDraft() {
  const features = [];
  if (shape.geometry) features.push({ type: "Feature", geometry: shape.geometry, properties: {} });
  if (shape.mode === "draw") {
    if (shape.vertices.length > 1) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: shape.vertices }, properties: {} });
    for (const vertex of shape.vertices) features.push({ type: "Feature", geometry: { type: "Point", coordinates: vertex }, properties: {} });
  }
  map.getSource("draft").setData({ type: "FeatureCollection", features });
  const status = document.getElementById("geometry-status");
  if (shape.mode === "draw") status.textContent = t("geometry_points", { n: shape.vertices.length });
  else if (segmentIds().length) status.textContent = t("geometry_segments", { n: segmentIds().length });
  else if (shape.geometry) status.textContent = shape.geometry.type;
  else status.textContent = t("no_geometry");
  document.getElementById("finish-line").disabled = !(shape.mode === "draw" && shape.vertices.length >= 2);
}

function setMode(mode) {
  shape.mode = shape.mode === mode ? null : mode;
  document.getElementById("draw-line").setAttribute("aria-pressed", String(shape.mode === "draw"));
  document.getElementById("select-segments").setAttribute("aria-pressed", String(shape.mode === "segments"));
  if (shape.mode === "draw") {
    shape.vertices = [];
    shape.geometry = null;
    segmentsInput.value = "";
  }
  if (shape.mode === "segments" && map.getZoom() < 14) map.easeTo({ zoom: 14, duration: 0 });
  map.getCanvas().style.cursor = shape.mode ? "crosshair" : "";
  showDraft();
}

function segmentIds() {
  return segmentsInput.value
    .split(/[,;\s]+/)
    .map((id) => id.trim())
    .filter(Boolean);
}

map.on("click", (event) => {
  if (shape.mode === "draw") {
    shape.vertices.push([Number(event.lngLat.lng.toFixed(7)), Number(event.lngLat.lat.toFixed(7))]);
    showDraft();
  } else if (shape.mode === "segments") {
    const [hit] = map.queryRenderedFeatures(
      [
        [event.point.x - 4, event.point.y - 4],
        [event.point.x + 4, event.point.y + 4],
      ],
      { layers: ["segments-line"] },
    );
    if (!hit) return;
    const ids = segmentIds();
    const id = hit.properties.id;
    segmentsInput.value = (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id]).join(", ");
    shape.geometry = null;
    showDraft();
  }
});

document.getElementById("draw-line").addEventListener("click", () => setMode("draw"));
document.getElementById("select-segments").addEventListener("click", () => setMode("segments"));
document.getElementById("finish-line").addEventListener("click", () => {
  shape.geometry = { type: "LineString", coordinates: shape.vertices };
  shape.mode = null;
  setMode(null);
});
document.getElementById("clear-geometry").addEventListener("click", () => {
  shape.vertices = [];
  shape.geometry = null;
  segmentsInput.value = "";
  setMode(null);
});
segmentsInput.addEventListener("input", () => {
  shape.geometry = null;
  showDraft();
});

/** The location to send: the finished line, the segments' centrelines, or the stored geometry. */
async function geometryToSend() {
  const ids = segmentIds();
  if (ids.length) {
    const lines = [];
    for (const id of ids) {
      try {
        const { data } = await fetchJson(`/api/segments/${encodeURIComponent(id)}`);
        lines.push(data.geometry.coordinates);
      } catch (error) {
        throw new ApiError(422, { error: { code: "validation_failed", message: error.message, field: "geometry", problems: [{ field: "geometry", reason: `${id}: ${error.message}` }] } });
      }
    }
    return lines.length === 1 ? { type: "LineString", coordinates: lines[0] } : { type: "MultiLineString", coordinates: lines };
  }
  if (shape.mode === "draw" && shape.vertices.length >= 2) return { type: "LineString", coordinates: shape.vertices };
  return shape.geometry;
}

// -- the form ----------------------------------------------------------------------------------
function clearErrors() {
  clearFormErrors(form, message);
}

function showErrors(error) {
  showFormErrors(form, message, error, { heading: t("form_errors"), fallback: segmentsInput });
}

function valueOf(name) {
  const raw = form.elements[name].value.trim();
  if (raw === "") return null;
  if (NUMBERS.includes(name)) {
    const normalised = raw.replace(",", ".");
    return /^-?\d+(\.\d+)?$/.test(normalised) ? Number(normalised) : raw; // let the API name what is wrong
  }
  return raw;
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  const button = document.getElementById("save-work");
  button.disabled = true;
  try {
    const body = {};
    for (const name of FIELDS) {
      const value = valueOf(name);
      if (value !== null || edit.id) body[name] = value;
    }
    const geometry = await geometryToSend();
    if (geometry || !edit.id) body.geometry = geometry;
    let response;
    if (edit.id) {
      delete body.id;
      response = await fetchJson(`/api/works/${encodeURIComponent(edit.id)}`, { method: "PATCH", body, headers: { "If-Match": edit.etag } });
    } else {
      response = await fetchJson("/api/works", { method: "POST", body });
    }
    const work = response.data;
    fillForm(work, response.response.headers.get("ETag"));
    message.className = "form-ok";
    message.replaceChildren(`${t("saved")} ${work.id}`);
    await loadTable();
  } catch (error) {
    if (error instanceof ApiError) showErrors(error);
    else showErrors(new ApiError(0, { error: { message: error.message } }));
  } finally {
    button.disabled = false;
  }
}

function fillForm(work, etag) {
  edit.id = work?.id ?? null;
  edit.etag = etag ?? null;
  document.getElementById("form-title").textContent = work ? `${t("edit_work")}: ${work.id}` : t("new_work");
  for (const name of FIELDS) form.elements[name].value = work?.[name] ?? "";
  form.elements.id.readOnly = Boolean(work);
  shape.mode = null;
  shape.vertices = [];
  shape.geometry = work?.geometry ?? null;
  segmentsInput.value = "";
  setMode(null);
  if (shape.geometry) fitBox(map, boxOf(shape.geometry), { padding: 40, maxZoom: 17 });
  for (const tr of document.querySelectorAll("#works-body tr")) tr.classList.toggle("selected", tr.dataset.id === edit.id);
}

async function openWork(id) {
  clearErrors();
  const { data, response } = await fetchJson(`/api/works/${encodeURIComponent(id)}`);
  fillForm(data, response.headers.get("ETag"));
  history.replaceState(null, "", `/works?edit=${encodeURIComponent(id)}`);
  form.elements.title.focus();
}

form.addEventListener("submit", save);
document.getElementById("new-work").addEventListener("click", () => {
  clearErrors();
  fillForm(null);
  history.replaceState(null, "", "/works");
  form.elements.id.focus();
});
document.getElementById("cancel-work").addEventListener("click", () => {
  clearErrors();
  fillForm(null);
});
document.getElementById("work-organisation").addEventListener("change", (event) => {
  if (!edit.id && !form.elements.id.value) form.elements.id.value = `${event.target.value}:`;
});

loadTable();
whenLoaded(map).then(() => {
  applyFilters(map, { year: null });
  const id = new URLSearchParams(window.location.search).get("edit");
  if (id) openWork(id).catch((error) => showErrors(error));
});
