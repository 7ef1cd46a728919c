// The coupling workflow panel (C3) of the couplings page: where a coupling stands (status, the current step's
// deadline, every member's answer, the cost split, what happened when) and the steps the signed-in user may
// take now. Which steps those are the server says (`actions`, from the role and the status); each step is a
// call to /api/couplings/{id}/workflow…, which checks it again, and a refused step shows the server's
// message at the field it names.

import { el, fetchJson, formatNumber, label, lang, organisationName, t } from "./common.js";

const locale = lang === "nl" ? "nl-NL" : "en-GB";
const formatDate = (text) => new Date(text).toLocaleDateString(locale, { day: "numeric", month: "long", year: "numeric" });
const formatMoment = (text) => new Date(text).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
const apiOf = (id) => `/api/couplings/${encodeURIComponent(id)}/workflow`;

/** An answer in the page's language: "akkoord" / "afgewezen (reason)". */
export function answerText(response) {
  if (!response) return "–";
  return `${t(`answer_${response.answer}`)}${response.reason ? ` (${response.reason})` : ""}`;
}

/** The current step's deadline: "Reageren uiterlijk 22 december 2026 · nog 15 dagen" (or how late it is);
 * `compact` (the list) shows the days alone, the rest as its tooltip. */
export function deadlineLine(workflow, { compact = false } = {}) {
  if (!workflow?.deadline) return null;
  const step = workflow.status === "accepted" ? "deadline_realise" : "deadline_respond";
  const days = workflow.days_left;
  let left;
  if (workflow.overdue) left = days < -1 ? t("days_overdue", { n: -days }) : days === -1 ? t("day_overdue") : t("overdue");
  else left = days === 0 ? t("due_today") : days === 1 ? t("day_left") : t("days_left", { n: days });
  const full = `${t(step, { date: formatDate(workflow.deadline) })} · ${left}`;
  const attributes = { class: `workflow-deadline${workflow.overdue ? " overdue" : ""}`, "data-days-left": days };
  return compact ? el("p", { ...attributes, title: full }, left) : el("p", attributes, full);
}

/** Show coupling `id` in the panel's `body`; `onChange(data)` hears of every step taken (to update the list). */
export async function showWorkflow(body, id, { onChange = () => {} } = {}) {
  body.replaceChildren(el("p", { class: "help" }, t("loading")));
  let data;
  try {
    ({ data } = await fetchJson(`/web/api/couplings/${encodeURIComponent(id)}/workflow`));
  } catch (error) {
    body.replaceChildren(el("p", { class: "error", role: "alert" }, `${t("error")}: ${error.message}`));
    return null;
  }
  const refresh = async (message) => {
    const fresh = await showWorkflow(body, id, { onChange });
    if (fresh) onChange(fresh);
    if (message) body.querySelector("#workflow-message").replaceChildren(el("p", { class: "form-ok", role: "status" }, message));
  };
  body.replaceChildren(...render(data, refresh));
  return data;
}

function render({ coupling, workflow, actions }, refresh) {
  const parts = [
    el("p", { class: "panel-kind" }, el("span", { class: `badge badge-${coupling.kind}` }, coupling.kind_label)),
    el("p", { class: "panel-id" }, el("code", {}, coupling.id)),
    el("p", { class: "finding-text" }, coupling.explanation),
  ];
  if (!workflow) parts.push(el("p", { class: "help", id: "workflow-status" }, t("workflow_not_proposed")));
  else {
    parts.push(
      el(
        "p",
        { id: "workflow-status" },
        el("span", { class: `badge workflow-status workflow-${workflow.status}${workflow.escalated ? " workflow-escalated" : ""}` }, label("coupling_status", workflow.status)),
        workflow.escalated ? ` · ${t("escalated")}` : "",
      ),
      deadlineLine(workflow),
      el("h3", {}, t("workflow_members")),
      el(
        "ul",
        { class: "workflow-members" },
        workflow.members.map((org) => el("li", { "data-org": org }, `${organisationName(org)}: ${answerText(workflow.responses[org])}`)),
      ),
      el("h3", {}, t("cost_split")),
      Object.keys(workflow.cost_split).length
        ? el("ul", { class: "workflow-split" }, Object.entries(workflow.cost_split).map(([org, share]) => el("li", { "data-org": org }, `${organisationName(org)}: ${formatNumber(share, 2)} %`)))
        : el("p", { class: "help" }, t("cost_split_none")),
    );
  }
  parts.push(el("div", { id: "workflow-message", "aria-live": "polite" }));
  const step = stepper(coupling.id, refresh);
  if (actions.propose) parts.push(el("div", { class: "workflow-actions" }, el("button", { type: "button", id: "workflow-propose", onclick: (event) => step(event, "POST", apiOf(coupling.id)) }, t("workflow_propose"))));
  if (actions.respond.length) parts.push(respondForm(workflow, actions.respond, step));
  if (actions.cost_split) parts.push(splitForm(workflow, step));
  const buttons = [];
  if (actions.realise) {
    const ready = Object.keys(workflow.cost_split).length > 0;
    buttons.push(el("button", { type: "button", id: "workflow-realise", disabled: !ready, "aria-describedby": ready ? null : "realise-help", onclick: (event) => step(event, "POST", `${apiOf(coupling.id)}/realise`) }, t("realise")));
    if (!ready) buttons.push(el("p", { class: "help", id: "realise-help" }, t("realise_needs_split")));
  }
  if (actions.escalate) buttons.push(el("button", { type: "button", class: "secondary", id: "workflow-escalate", title: t("escalate_help"), onclick: (event) => step(event, "POST", "/api/couplings/escalate") }, t("escalate")));
  if (buttons.length) parts.push(el("div", { class: "workflow-actions" }, buttons));
  if (workflow?.events.length) {
    parts.push(
      el("h3", {}, t("workflow_events")),
      el(
        "ul",
        { class: "workflow-events" },
        workflow.events.map((e) =>
          el("li", { "data-event": e.event }, el("time", { datetime: e.at }, formatMoment(e.at)), ` · ${t(`event_${e.event}`)}${e.detail.organisation ? ` ${organisationName(e.detail.organisation)}: ${t(`answer_${e.detail.answer}`)}` : ""} · ${e.actor}`),
        ),
      ),
    );
  }
  return parts;
}

/** A step: send it, then show the coupling anew; a refusal goes to the field it names (else the message box). */
function stepper(id, refresh) {
  return async (event, method, url, body, form = null) => {
    const control = event.submitter ?? event.currentTarget;
    if (control) control.disabled = true;
    clearErrors(form);
    try {
      await fetchJson(url, { method, body });
      await refresh(t("saved"));
    } catch (error) {
      if (control) control.disabled = false;
      showError(form, error.error ?? { message: error.message });
    }
  };
}

function clearErrors(form) {
  if (!form) return;
  for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

/** The server's error under the field it names (`reason`, `organisation`, `cost_split`, `cost_split.ORG`). */
function showError(form, error) {
  const target = form && error.field ? form.querySelector(`.field-error[data-field="${CSS.escape(error.field)}"]`) : null;
  if (target) {
    target.textContent = error.message;
    const input = form.querySelector(`[data-input="${CSS.escape(error.field)}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
    return;
  }
  const box = document.getElementById("workflow-message");
  box.replaceChildren(el("p", { class: "form-errors", role: "alert" }, `${t("not_saved")} ${error.message}`));
}

const fieldError = (field, id) => el("p", { class: "field-error", id, "data-field": field, role: "alert" });

/** Accept or decline for one of the organisations the user may answer for; declining needs a reason. */
function respondForm(workflow, organisations, step) {
  const waiting = organisations.find((org) => !workflow.responses[org]) ?? organisations[0];
  const organisation = el(
    "select",
    { id: "respond-organisation", name: "organisation", "data-input": "organisation" },
    organisations.map((org) => el("option", { value: org, selected: org === waiting }, organisationName(org))),
  );
  const choice = (value, text) => el("label", {}, el("input", { type: "radio", name: "answer", value, checked: value === "accept" }), text);
  const reason = el("textarea", { id: "respond-reason", name: "reason", "data-input": "reason", "aria-describedby": "respond-reason-help respond-reason-error" });
  const form = el(
    "form",
    { class: "workflow-form", id: "respond-form", novalidate: true },
    el("h3", {}, t("workflow_answer")),
    el("div", { class: "field" }, el("label", { for: "respond-organisation" }, t("answer_for")), organisation, fieldError("organisation", "respond-organisation-error")),
    el("div", { class: "choice", role: "radiogroup", "aria-label": t("workflow_answer") }, choice("accept", t("accept")), choice("decline", t("decline"))),
    el(
      "div",
      { class: "field" },
      el("label", { for: "respond-reason" }, t("reason")),
      reason,
      el("p", { class: "help", id: "respond-reason-help" }, t("reason_help")),
      fieldError("reason", "respond-reason-error"),
    ),
    el("div", { class: "workflow-actions" }, el("button", { type: "submit", id: "respond-submit" }, t("send_answer"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const answer = form.querySelector("input[name=answer]:checked").value;
    clearErrors(form);
    if (answer === "decline" && !reason.value.trim()) {
      showError(form, { field: "reason", message: t("reason_required") });
      return;
    }
    const body = { organisation: organisation.value, answer, reason: reason.value.trim() || null };
    step(event, "POST", `${apiOf(workflow.coupling_id)}/responses`, body, form);
  });
  return form;
}

/** Each member's share of the cost in %, with the running total; the server checks that they make 100 %. */
function splitForm(workflow, step) {
  const inputs = workflow.members.map((org, i) =>
    el("input", { type: "number", id: `share-${i}`, name: org, min: 0, max: 100, step: "any", inputmode: "decimal", "data-input": `cost_split.${org}`, value: workflow.cost_split[org] ?? "" }),
  );
  const total = el("p", { class: "help", id: "cost-split-total", "aria-live": "polite" });
  const sum = () => inputs.reduce((acc, input) => acc + (Number.parseFloat(input.value) || 0), 0);
  const showTotal = () => (total.textContent = t("cost_split_total", { total: formatNumber(sum(), 2) }));
  for (const input of inputs) input.addEventListener("input", showTotal);
  showTotal();
  const form = el(
    "form",
    { class: "workflow-form", id: "split-form", novalidate: true },
    el("h3", {}, t("record_cost_split")),
    el("p", { class: "help" }, t("cost_split_help")),
    workflow.members.map((org, i) => el("div", { class: "workflow-share" }, el("label", { for: `share-${i}` }, organisationName(org)), inputs[i], fieldError(`cost_split.${org}`, `share-${i}-error`))),
    total,
    fieldError("cost_split", "cost-split-error"),
    el("div", { class: "workflow-actions" }, el("button", { type: "submit", id: "split-submit" }, t("record_cost_split"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const shares = Object.fromEntries(inputs.filter((input) => input.value !== "").map((input) => [input.name, Number.parseFloat(input.value)]));
    step(event, "PUT", `${apiOf(workflow.coupling_id)}/cost-split`, { shares }, form);
  });
  return form;
}

/** Escalate every overdue coupling (the API's one batch step); the message says how many went to the coordinator. */
export async function escalateOverdue() {
  const { data } = await fetchJson("/api/couplings/escalate", { method: "POST" });
  return t("escalated_count", { n: data.escalated.length });
}
