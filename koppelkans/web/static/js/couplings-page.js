// The couplings and conflicts page: filtered, sorted, paged lists beside a map; each row's button frames
// and highlights that finding's streets and, for a coupling, opens its workflow panel (the steps the user
// may take). "Recompute" runs the coupling engine again (POST /api/couplings); `?coupling=ID` opens a
// coupling's panel.

import { areaName, config, el, fetchJson, fillAreaSelect, formatEuro, formatNumber, label, organisationName, query, t, yearRange } from "./common.js";
import { applyFilters, createMap, whenLoaded } from "./map.js";
import { showFinding } from "./panel.js";
import { answerText, deadlineLine, escalateOverdue, showWorkflow } from "./workflow-panel.js";

const map = createMap("map");
const PAGE = 50;
const state = { which: "couplings", kind: "", area: "", organisation: "", sort: "saving_desc", offset: 0 };
const body = document.getElementById("findings-body");
const head = document.getElementById("findings-head");

function fillKinds() {
  const select = document.getElementById("filter-kind");
  select.replaceChildren(el("option", { value: "" }, t("all_kinds")));
  const vocabulary = state.which === "couplings" ? "coupling_kind" : "conflict_kind";
  for (const [code, text] of Object.entries(config.labels[vocabulary])) select.append(el("option", { value: code }, text));
  select.value = "";
}

function sortButton(text) {
  const descending = state.sort === "saving_desc";
  const ariaSort = state.sort.startsWith("saving") ? (descending ? "descending" : "ascending") : "none";
  return el(
    "th",
    { class: "num", scope: "col", "aria-sort": ariaSort },
    el("button", { type: "button", id: "sort-saving", onclick: () => setSort(descending ? "saving_asc" : "saving_desc") }, `${text} ${descending ? "↓" : state.sort === "saving_asc" ? "↑" : ""}`),
  );
}

function renderHead() {
  const th = (text, extra = {}) => el("th", { scope: "col", ...extra }, text);
  const cells =
    state.which === "couplings"
      ? [th(t("kind")), th(t("explanation")), th(t("years")), sortButton(t("saving")), th(t("openings_avoided"), { class: "num" }), th(t("area")), th("")]
      : [th(t("type")), th(t("explanation")), th(t("years")), th(t("area")), th("")];
  head.replaceChildren(el("tr", {}, cells));
}

const levelOf = new Map(config.areas.map((a) => [a.code, a.level]));

/** One buurt by name; several buurten of one wijk by the wijk's name; else how many buurten. */
function areaText(areas) {
  const buurten = areas.filter((code) => levelOf.get(code) === "buurt");
  const wijken = areas.filter((code) => levelOf.get(code) === "wijk");
  if (buurten.length === 1) return areaName(buurten[0]);
  if (wijken.length === 1) return areaName(wijken[0]);
  return buurten.length ? `${buurten.length} ${label("level", "buurt")}${config.lang === "nl" ? "en" : "s"}` : "–";
}

function areaCell(item) {
  const names = item.areas.filter((code) => levelOf.get(code) === "buurt").map(areaName);
  return el("span", { title: names.join(" · ") }, areaText(item.areas));
}

function explanationCell(item, extra = null) {
  const organisations = item.organisations.map(organisationName).join(", ");
  return el("td", { class: "explanation" }, el("p", { class: "clamp", title: item.explanation }, item.explanation), organisations ? el("span", { class: "muted" }, organisations) : null, extra);
}

/** The coupling workflow's status (C3) as a badge, flagged when escalated to the coordinator; and for an
 * editor whose organisation has not answered yet, a second badge saying its answer is asked. */
function workflowBadge(item) {
  const workflow = item.workflow;
  if (!workflow) return null;
  const text = label("coupling_status", workflow.status) + (workflow.escalated ? ` · ${t("escalated")}` : "");
  const asked = !config.user.may_run && item.actions.respond.some((org) => !workflow.responses[org]);
  return [
    el("span", { class: `badge workflow-status workflow-${workflow.status}${workflow.escalated ? " workflow-escalated" : ""}` }, text),
    asked ? el("span", { class: "badge your-turn" }, t("workflow_your_turn")) : null,
  ];
}

/** Each member organisation's answer (accepted / declined with its reason, or a dash while it is awaited),
 * and the current step's deadline. */
function responsesOf(workflow) {
  if (!workflow) return null;
  const answers = workflow.members.map((org) => el("li", { "data-org": org }, `${organisationName(org)}: ${answerText(workflow.responses[org])}`));
  return [el("ul", { class: "workflow-responses" }, answers), deadlineLine(workflow, { compact: true })];
}

function row(item) {
  const show = el("button", { type: "button", class: "secondary show-on-map", "data-id": item.id }, t("show_on_map"));
  const tr = el("tr", { "data-id": item.id }, []);
  show.addEventListener("click", () => select(tr, item.id));
  if (state.which === "couplings") {
    tr.append(
      el("td", {}, el("span", { class: `badge badge-${item.kind}` }, item.kind_label), workflowBadge(item)),
      explanationCell(item, responsesOf(item.workflow)),
      el("td", {}, yearRange(item.window[0], item.window[1])),
      el("td", { class: "num" }, formatEuro(item.saving_eur)),
      el("td", { class: "num" }, formatNumber(item.openings_avoided)),
      el("td", {}, areaCell(item)),
      el("td", {}, show),
    );
  } else {
    tr.append(
      el("td", {}, el("span", { class: `badge badge-${item.kind}` }, item.kind_label)),
      explanationCell(item),
      el("td", {}, yearRange(Math.min(...item.years), Math.max(...item.years))),
      el("td", {}, areaCell(item)),
      el("td", {}, show),
    );
  }
  return tr;
}

const OVERVIEW_LAYERS = new Set(["areas", "tasks", "segments", "works"]);
const shownItems = new Map();

/** Show one finding: its streets highlighted and framed, only its own works and assets drawn; a coupling's
 * workflow in the panel. */
async function select(tr, id) {
  for (const other of body.querySelectorAll("tr.selected")) other.classList.remove("selected");
  tr.classList.add("selected");
  const item = shownItems.get(id);
  if (state.which === "couplings") openWorkflow(id);
  const members = (type) => item.members.filter((m) => m.type === type).map((m) => m.id);
  applyFilters(map, { year: null, layers: new Set([...OVERVIEW_LAYERS, "assets", "due"]), only: { works: members("work"), assets: members("asset") } });
  await showFinding(map, id);
}

const layout = document.querySelector(".layout-split");
const workflowPanel = document.getElementById("workflow-panel");

function setPanel(open) {
  workflowPanel.hidden = !open;
  layout.classList.toggle("with-panel", open);
  map.resize();
}

/** The workflow panel of coupling `id`; a step taken there updates its row in the list. */
function openWorkflow(id) {
  setPanel(true);
  showWorkflow(document.getElementById("workflow-body"), id, { onChange: updateRow });
}

function updateRow({ coupling, workflow, actions }) {
  const item = shownItems.get(coupling.id);
  const tr = body.querySelector(`tr[data-id="${CSS.escape(coupling.id)}"]`);
  if (!item || !tr || state.which !== "couplings") return;
  Object.assign(item, { workflow, actions });
  const fresh = row(item);
  fresh.classList.toggle("selected", tr.classList.contains("selected"));
  tr.replaceWith(fresh);
}

document.getElementById("workflow-close").addEventListener("click", () => setPanel(false));

function renderSummary(page) {
  const figure = (value, text) => el("div", { class: "figure" }, el("strong", {}, value), el("span", {}, text));
  const items = [figure(formatNumber(page.total), t(state.which).toLowerCase())];
  if (state.which === "couplings") {
    items.push(figure(formatEuro(page.totals.saving_eur), t("saving").toLowerCase()), figure(formatNumber(page.totals.openings_avoided), t("openings_avoided").toLowerCase()));
  }
  document.getElementById("summary").replaceChildren(...items);
}

async function load() {
  renderHead();
  body.replaceChildren(el("tr", {}, el("td", { colspan: 7 }, t("loading"))));
  const params = { kind: state.kind, area: state.area, organisation: state.organisation, offset: state.offset, limit: PAGE };
  if (state.which === "couplings") params.sort = state.sort;
  try {
    const { data: page } = await fetchJson(`/web/api/${state.which}${query(params)}`);
    renderSummary(page);
    for (const item of page.items) shownItems.set(item.id, item);
    body.replaceChildren(...(page.items.length ? page.items.map(row) : [el("tr", {}, el("td", { colspan: 7 }, t("none_found")))]));
    const last = Math.min(page.offset + page.limit, page.total);
    document.getElementById("page-info").textContent = page.total ? `${page.offset + 1}–${last} ${t("of")} ${formatNumber(page.total)}` : "";
    document.getElementById("previous").disabled = page.offset === 0;
    document.getElementById("next").disabled = last >= page.total;
  } catch (error) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 7, class: "error", role: "alert" }, `${t("error")}: ${error.message}`)));
  }
}

function setSort(sort) {
  state.sort = sort;
  document.getElementById("sort").value = sort;
  state.offset = 0;
  load();
}

function switchTab(which) {
  state.which = which;
  state.offset = 0;
  state.kind = "";
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const active = tab.dataset.which === which;
    tab.setAttribute("aria-selected", String(active));
    tab.tabIndex = active ? 0 : -1;
    if (active) document.getElementById("findings-panel").setAttribute("aria-labelledby", tab.id);
  }
  document.getElementById("sort-field").hidden = which !== "couplings";
  fillKinds();
  load();
}

const tabs = [...document.querySelectorAll('[role="tab"]')];
for (const tab of tabs) {
  tab.addEventListener("click", () => switchTab(tab.dataset.which));
  tab.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    switchTab(next.dataset.which);
  });
}

for (const [id, key] of [
  ["filter-kind", "kind"],
  ["filter-area", "area"],
  ["filter-organisation", "organisation"],
]) {
  document.getElementById(id).addEventListener("change", (event) => {
    state[key] = event.target.value;
    state.offset = 0;
    load();
  });
}
document.getElementById("sort").addEventListener("change", (event) => setSort(event.target.value));
document.getElementById("previous").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - PAGE);
  load();
});
document.getElementById("next").addEventListener("click", () => {
  state.offset += PAGE;
  load();
});
document.getElementById("recompute")?.addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  button.textContent = t("loading");
  try {
    await fetchJson("/api/couplings", { method: "POST", body: { year_from: config.years[0], year_to: config.years[1] } });
    await load();
  } catch (error) {
    document.getElementById("summary").replaceChildren(el("p", { class: "error", role: "alert" }, `${t("error")}: ${error.message}`));
  } finally {
    button.disabled = false;
    button.textContent = t("recompute");
  }
});

document.getElementById("escalate")?.addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  const summary = document.getElementById("summary");
  try {
    const message = await escalateOverdue();
    await load();
    summary.append(el("p", { class: "form-ok", role: "status", id: "escalate-message" }, message));
  } catch (error) {
    summary.replaceChildren(el("p", { class: "error", role: "alert" }, `${t("error")}: ${error.message}`));
  } finally {
    button.disabled = false;
  }
});

fillAreaSelect(document.getElementById("filter-area"));
fillKinds();
load();
whenLoaded(map).then(() => {
  applyFilters(map, { year: null, layers: OVERVIEW_LAYERS });
  const asked = new URLSearchParams(window.location.search).get("coupling");
  if (asked) {
    openWorkflow(asked);
    showFinding(map, asked).catch(() => {});
  }
});
