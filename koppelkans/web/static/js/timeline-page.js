// The timeline page: the works of a neighbourhood or street as a Gantt chart. A light bar is a work's
// start window; the solid bar is when it is carried out — its preferred year in the sectoral view, the
// year the optimiser chose in the integrated view (ringed when that differs from the preferred year).

import { config, el, fetchJson, fillAreaSelect, formatEuro, formatNumber, label, organisationName, query, t } from "./common.js";

const gantt = document.getElementById("gantt");
const status = document.getElementById("timeline-status");
const form = document.getElementById("timeline-form");
const areaSelect = document.getElementById("timeline-area");
const streetInput = document.getElementById("timeline-street");
let current = null;

function scenario() {
  return form.querySelector('input[name="scenario"]:checked').value;
}

function executionYear(row, mode) {
  const preferred = row.preferred_start ?? row.earliest_start;
  return mode === "integrated" && row.plan_year !== null ? row.plan_year : preferred;
}

function percent(value, span) {
  return `${(100 * value) / span}%`;
}

function header(first, last) {
  const years = [];
  for (let year = first; year <= last; year += 1) years.push(el("span", { role: "columnheader", class: year === config.years[0] ? "now" : "" }, String(year).slice(-2) === "00" || year === first ? String(year) : `’${String(year).slice(-2)}`));
  return el("div", { class: "gantt-row gantt-head", role: "row" }, el("div", { class: "gantt-label", role: "columnheader" }, t("layer_works")), el("div", { class: "gantt-years" }, years));
}

function bar(row, first, span, mode) {
  const colour = config.colours.discipline[row.discipline] ?? "#607d8b";
  const year = executionYear(row, mode);
  const duration = Math.max((row.duration_months ?? 3) / 12, 0.25);
  const preferred = row.preferred_start ?? row.earliest_start;
  const moved = mode === "integrated" && row.plan_year !== null && row.plan_year !== preferred;
  const description = `${t("start_window")} ${row.earliest_start}–${row.latest_start}; ${mode === "integrated" ? t("plan_year") : t("preferred_year")} ${year}`;
  const track = el("div", { class: "gantt-track", role: "cell", "aria-label": description, style: { "--year": percent(1, span) } });
  track.append(
    el("div", { class: "bar-window", style: { "--colour": colour, left: percent(row.earliest_start - first, span), width: percent(row.latest_start - row.earliest_start + 1, span) } }),
    el("div", {
      class: `bar-exec${moved ? " moved" : ""}`,
      title: `${row.title ?? row.id}: ${description}${row.project ? ` · ${t("project")} ${row.project}` : ""}`,
      "data-year": year,
      style: { "--colour": colour, left: percent(year - first, span), width: percent(duration, span) },
    }),
  );
  if (moved) track.append(el("div", { class: "marker-preferred", title: `${t("preferred_year")} ${preferred}`, style: { left: percent(preferred - first, span) } }));
  return track;
}

function render() {
  if (!current) return;
  const { rows, years } = current;
  const mode = scenario();
  const [first, last] = years;
  const span = last - first + 1;
  const now = new Date();
  const nowLine = () => el("div", { class: "now-line", style: { left: percent(now.getFullYear() - first + now.getMonth() / 12, span) } });
  gantt.replaceChildren(header(first, last));
  let street = null;
  for (const row of rows) {
    const name = row.streets[0] ?? "—";
    if (name !== street) {
      street = name;
      const count = rows.filter((r) => (r.streets[0] ?? "—") === name).length;
      gantt.append(el("div", { class: "gantt-row gantt-group", role: "row" }, el("div", { class: "gantt-label", role: "rowheader" }, `${name} (${count})`), el("div", { class: "gantt-track", style: { "--year": percent(1, span) } }, nowLine())));
    }
    const label_ = el(
      "div",
      { class: "gantt-label", role: "rowheader" },
      el("a", { href: `/?work=${encodeURIComponent(row.id)}` }, row.title ?? `${label("kind", row.kind)} ${label("discipline", row.discipline)}`),
      el("span", { class: "sub" }, `${organisationName(row.organisation)} · ${label("status", row.status)}${row.cost_eur ? ` · ${formatEuro(row.cost_eur)}` : ""}`),
    );
    const track = bar(row, first, span, mode);
    track.append(nowLine());
    gantt.append(el("div", { class: "gantt-row", role: "row", "data-id": row.id }, label_, track));
  }
  gantt.hidden = rows.length === 0;
  document.getElementById("gantt-legend").hidden = rows.length === 0;
  document.getElementById("legend-exec").textContent = mode === "integrated" ? t("plan_year") : t("preferred_year");
  document.getElementById("legend-moved").textContent = `${t("plan_year")} ≠ ${t("preferred_year").toLowerCase()}`;
  status.textContent = rows.length
    ? `${formatNumber(current.total)} ${t("works_count")}${current.truncated ? ` — ${t("too_many_rows", { n: rows.length })}` : ""}`
    : t("none_found");
}

function renderPlan(plan) {
  const box = document.getElementById("plan-box");
  if (!plan.available) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    el(
      "p",
      {},
      el("strong", {}, `${t("plan_summary")} ${plan.horizon ? `${plan.horizon[0]}–${plan.horizon[1]}` : ""}: `),
      `${t("saving").toLowerCase()} ${formatEuro(plan.savings_eur)} (${formatNumber(plan.savings_pct, 1)} %), ${formatNumber(plan.openings_avoided)} ${t("openings_avoided").toLowerCase()}`,
      plan.method ? el("span", { class: "muted" }, ` · ${t("method")}: ${plan.method}${plan.gap !== null && plan.gap !== undefined ? `, gap ${formatNumber(100 * plan.gap, 2)} %` : ""}`) : null,
    ),
  );
}

async function load() {
  const area = areaSelect.value;
  const street = streetInput.value.trim();
  if (!area && !street) {
    status.textContent = t("choose_area");
    return;
  }
  status.textContent = t("loading");
  const params = { area, street };
  history.replaceState(null, "", `${window.location.pathname}${query(params)}`);
  try {
    const { data } = await fetchJson(`/web/api/timeline${query(params)}`);
    current = data;
    renderPlan(data.plan);
    render();
  } catch (error) {
    current = null;
    gantt.hidden = true;
    status.replaceChildren(el("span", { class: "error", role: "alert" }, `${t("error")}: ${error.message}`));
  }
}

fillAreaSelect(areaSelect);
const params = new URLSearchParams(window.location.search);
areaSelect.value = params.get("area") ?? (params.get("street") ? "" : config.default_area ?? "");
streetInput.value = params.get("street") ?? "";
form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
areaSelect.addEventListener("change", () => {
  streetInput.value = "";
  load();
});
for (const radio of form.querySelectorAll('input[name="scenario"]')) radio.addEventListener("change", render);
load();
