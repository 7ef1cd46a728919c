// The details panel: a clicked record's attributes (read whole from /api) and the couplings and
// conflicts it takes part in, each with a button that frames and highlights its streets on the map.

import { areaName, config, el, fetchJson, formatEuro, formatNumber, label, lang, organisationName, query, t, yearRange } from "./common.js";
import { boxOf, fitBox, highlight } from "./map.js";

const RESOURCE = { works: "works", assets: "assets", segments: "segments", tasks: "tasks", areas: "areas" };
const KIND_TITLE = { works: "one_work", assets: "one_asset", segments: "one_segment", tasks: "one_task", areas: "one_area" };

function rowsOf(kind, record, properties) {
  const value = (v, suffix = "") => (v === null || v === undefined || v === "" ? null : `${v}${suffix}`);
  const rows = {
    works: [
      [t("organisation"), organisationName(record.organisation)],
      [t("discipline"), label("discipline", record.discipline)],
      [t("kind"), label("kind", record.kind)],
      [t("status"), label("status", record.status)],
      [t("phase"), label("phase", record.phase)],
      [t("start_window"), yearRange(record.earliest_start, record.latest_start)],
      [t("preferred_start"), value(record.preferred_start)],
      [t("duration_months"), value(record.duration_months)],
      [t("cost_eur"), record.cost_eur === null ? null : formatEuro(record.cost_eur)],
      [t("project_type"), label("project_type", record.project_type)],
      [t("dig_free_years"), value(record.dig_free_years)],
      ["asset_ids", (record.asset_ids || []).join(", ") || null],
    ],
    assets: [
      [t("organisation"), organisationName(record.organisation)],
      [t("discipline"), label("discipline", record.discipline)],
      ["asset_type", value(record.asset_type)],
      ["material", value(record.material)],
      ["diameter_mm", value(record.diameter_mm)],
      ["depth_m", value(record.depth_m)],
      ["install_year", value(record.install_year)],
      ["condition (NEN 2767)", record.condition ? `${record.condition}${record.condition_year ? ` (${record.condition_year})` : ""}` : null],
      ["replacement_cost_eur", record.replacement_cost_eur === null ? null : formatEuro(record.replacement_cost_eur)],
      [t("due_year"), value(properties?.due_year)],
    ],
    segments: [
      [t("street"), value(record.name)],
      [t("area"), record.area_code ? `${areaName(record.area_code)} (${record.area_code})` : null],
      ["width_m", value(record.width_m)],
    ],
    tasks: [
      [t("type"), label("theme", record.theme)],
      [t("target_year"), value(record.target_year)],
      [t("area"), record.area_code ? `${areaName(record.area_code)} (${record.area_code})` : null],
      [t("organisation"), organisationName(record.organisation)],
      ["intensity", value(record.intensity)],
      [t("explanation"), value(record.description)],
    ],
    areas: [
      [t("type"), label("level", record.level)],
      ["code", record.code],
      [t("area"), record.parent_code ? areaName(record.parent_code) : null],
    ],
  }[kind];
  for (const [name, v] of Object.entries(record.attributes || {})) rows.push([name, value(v)]);
  return rows.filter(([, v]) => v !== null && v !== "");
}

/** A card for one coupling or conflict, with a button that zooms the map to its streets. */
export function findingCard(item, which, map) {
  const facts =
    which === "couplings"
      ? `${yearRange(item.window[0], item.window[1])} · ${formatEuro(item.saving_eur)} · ${formatNumber(item.openings_avoided)} ${t("openings_avoided").toLowerCase()}`
      : yearRange(Math.min(...item.years), Math.max(...item.years));
  return el(
    "li",
    { class: `finding finding-${item.kind}` },
    el("div", { class: "finding-head" }, el("span", { class: `badge badge-${item.kind}` }, item.kind_label), el("span", { class: "finding-facts" }, facts)),
    el("p", { class: "finding-text" }, item.explanation),
    el("button", { type: "button", class: "link-button", onclick: () => showFinding(map, item.id) }, t("show_on_map")),
    which === "couplings" ? el("a", { class: "report-link", href: `/couplings?coupling=${encodeURIComponent(item.id)}` }, t("workflow")) : null,
  );
}

/** Frame and highlight a finding's streets. */
export async function showFinding(map, id) {
  const { data } = await fetchJson(`/web/api/findings/${encodeURIComponent(id)}`);
  highlight(map, data);
  fitBox(map, data.properties.bbox || (data.geometry && boxOf(data.geometry)), { maxZoom: 16.5 });
  return data;
}

async function findingsOf(kind, id) {
  const filter = kind === "segments" ? { segment: id } : kind === "areas" ? { area: id } : { member: id };
  const [couplings, conflicts] = await Promise.all([
    fetchJson(`/web/api/couplings${query({ ...filter, limit: 20 })}`),
    fetchJson(`/web/api/conflicts${query({ ...filter, limit: 20 })}`),
  ]);
  return { couplings: couplings.data, conflicts: conflicts.data };
}

/** Links to the project brief of a work and the anatomy of an area (or of the area a record lies in). */
function reportLinks(kind, id, record) {
  const links = [];
  if (kind === "works") {
    const brief = `/api/brief${query({ work: id, lang })}`;
    links.push(el("a", { class: "report-link", href: brief, target: "_blank", rel: "noopener" }, t("open_brief")));
    links.push(el("a", { class: "report-link", href: `${brief}&format=pdf`, target: "_blank", rel: "noopener" }, "PDF"));
  }
  const area = kind === "areas" ? record.code : record.area_code;
  if (area) {
    const anatomy = `/api/anatomy/${encodeURIComponent(area)}${query({ format: "html", lang })}`;
    links.push(el("a", { class: "report-link", href: anatomy, target: "_blank", rel: "noopener" }, t("open_anatomy")));
  }
  return links.length ? el("p", { class: "report-links" }, ...links.flatMap((link, i) => (i ? [" · ", link] : [link]))) : null;
}

const HISTORY_SHOWN = 10;

/** The record's audit log, newest first: when, who, what (the fields an update changed). */
async function historySection(kind, id) {
  let entries = [];
  try {
    ({ data: { entries } } = await fetchJson(`/api/${RESOURCE[kind]}/${encodeURIComponent(id)}/history`));
  } catch {
    entries = []; // a record the log never saw (stored before the audit log existed)
  }
  const items = entries
    .slice(-HISTORY_SHOWN)
    .reverse()
    .map((e) =>
      el(
        "li",
        { class: `history-entry history-${e.operation}` },
        el("time", { datetime: e.at }, new Date(e.at).toLocaleString(lang)),
        ` · ${e.actor} · ${e.operation}`,
        e.operation === "update" ? `: ${e.changed.join(", ")}` : "",
      ),
    );
  return el(
    "section",
    { class: "panel-history", "aria-label": t("history") },
    el("h3", {}, `${t("history")} (${entries.length})`),
    items.length ? el("ul", { class: "history" }, items) : el("p", { class: "help" }, t("none_found")),
  );
}

/** Show a record in the panel: `kind` is the register layer, `properties` its tile attributes. */
export async function showRecord(panel, map, kind, id, properties = {}) {
  const body = panel.querySelector("#panel-body");
  panel.querySelector("#panel-close").hidden = false;
  body.replaceChildren(el("p", { class: "help" }, t("loading")));
  try {
    const { data: record } = await fetchJson(`/api/${RESOURCE[kind]}/${encodeURIComponent(id)}`);
    if (record.geometry) highlight(map, { type: "Feature", geometry: record.geometry, properties: {} });
    const title = record.title || record.name || (kind === "tasks" ? label("theme", record.theme) : null) || id;
    const list = el("dl", { class: "facts" });
    for (const [name, value] of rowsOf(kind, record, properties)) list.append(el("dt", {}, name), el("dd", {}, value));
    const heading = [el("p", { class: "panel-kind" }, t(KIND_TITLE[kind])), el("h3", { class: "panel-record-title" }, title), el("p", { class: "panel-id" }, el("code", {}, id))];
    if (config.user.public) {
      body.replaceChildren(...heading, list); // the public works view: the work's own facts, nothing more
      return;
    }
    const [{ couplings, conflicts }, history] = await Promise.all([findingsOf(kind, id), historySection(kind, id)]);
    const section = (which, page) =>
      el(
        "section",
        { class: "panel-findings", "aria-label": t(which) },
        el("h3", {}, `${t(which)} (${page.total})`),
        page.total ? el("ul", { class: "findings" }, page.items.map((item) => findingCard(item, which, map))) : el("p", { class: "help" }, t("none_found")),
      );
    body.replaceChildren(
      ...heading,
      kind === "works" ? el("p", {}, el("a", { href: `/works?edit=${encodeURIComponent(id)}` }, t("open_register"))) : null,
      reportLinks(kind, id, record),
      list,
      section("couplings", couplings),
      section("conflicts", conflicts),
      history,
    );
  } catch (error) {
    body.replaceChildren(el("p", { class: "error", role: "alert" }, `${t("error")}: ${error.message}`));
  }
}
