// What every page shares: its embedded configuration, its words, number formats, JSON requests and a
// small element builder (the pages build their DOM with it, so text is never parsed as HTML).

export const config = JSON.parse(document.getElementById("koppelkans-config").textContent);
export const lang = config.lang;
const locale = lang === "nl" ? "nl-NL" : "en-GB";

/** A UI text in the page's language; `{name}` placeholders are filled from `values`. */
export function t(key, values = {}) {
  let text = config.texts[key] ?? key;
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** The label of a vocabulary code (discipline, status, kind, …) in the page's language. */
export function label(vocabulary, code) {
  if (code === null || code === undefined || code === "") return "";
  return (config.labels[vocabulary] || {})[code] ?? String(code);
}

const organisationNames = new Map(config.organisations.map((o) => [o.code, o.name]));
const areaNames = new Map(config.areas.map((a) => [a.code, a.name]));

export const organisationName = (code) => organisationNames.get(code) ?? code ?? "";
export const areaName = (code) => areaNames.get(code) ?? code ?? "";

export function formatEuro(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return new Intl.NumberFormat(locale, { style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(value);
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

export function yearRange(a, b) {
  return a === b ? String(a) : `${a}–${b}`;
}

/** An error answered by the API in its one shape: {error: {code, message, record, field, problems}}. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.error = body?.error ?? { code: "http_error", message: `HTTP ${status}` };
  }
}

/** The web session's CSRF token (from the page's meta tag): the API wants it on every change made with the cookie. */
export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

/** Fetch JSON (or send it; a FormData body goes as multipart/form-data); an error response becomes an
 * ApiError carrying the API's error object. */
export async function fetchJson(url, { method = "GET", body, headers = {} } = {}) {
  const unsafe = !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
  const multipart = body instanceof FormData;
  const response = await fetch(url, {
    method,
    headers: {
      Accept: "application/json",
      ...(body !== undefined && !multipart ? { "Content-Type": "application/json" } : {}),
      ...(unsafe ? { "X-CSRF-Token": csrfToken() } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : multipart ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let payload = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = null;
  }
  if (!response.ok) throw new ApiError(response.status, payload);
  return { data: payload, response };
}

/** Build an element: el("a", {href: "/", class: "x"}, "text", child). Attributes starting with "on" are listeners. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "style" && typeof value === "object") {
      for (const [property, setting] of Object.entries(value)) node.style.setProperty(property.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), setting);
    }
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Take away what `showFormErrors` put in a form and its summary. */
export function clearFormErrors(form, summary) {
  summary.replaceChildren();
  summary.className = "";
  for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

/** The API's error (its `problems`, or the one field it names) under each field's `.field-error[data-field]`,
 *  that field's input marked invalid (`fallback` when no input carries the name), and all of it listed in
 *  `summary` under `heading`; the first invalid input gets the focus. */
export function showFormErrors(form, summary, error, { heading, fallback = null }) {
  const problems = error.error.problems?.length ? error.error.problems : [{ field: error.error.field, reason: error.error.message }];
  const general = [];
  for (const problem of problems) {
    const field = problem.field ? CSS.escape(problem.field) : null;
    const slot = field ? form.querySelector(`.field-error[data-field="${field}"]`) : null;
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${problem.reason}` : problem.reason;
      (form.querySelector(`[name="${field}"]`) ?? fallback)?.setAttribute("aria-invalid", "true");
    }
    general.push(problem.field ? `${t(problem.field)}: ${problem.reason}` : problem.reason);
  }
  summary.className = "form-errors";
  summary.replaceChildren(el("strong", {}, heading), el("ul", {}, general.map((text) => el("li", {}, text))));
  form.querySelector('[aria-invalid="true"]')?.focus();
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Fill a <select> with the areas, grouped by level (wijken, buurten). */
export function fillAreaSelect(select) {
  const groups = new Map();
  for (const area of config.areas) {
    if (area.level === "gemeente") continue;
    const level = area.level || "buurt";
    if (!groups.has(level)) groups.set(level, []);
    groups.get(level).push(area);
  }
  for (const [level, areas] of groups) {
    const group = el("optgroup", { label: label("level", level) });
    areas.sort((a, b) => a.name.localeCompare(b.name, locale));
    for (const area of areas) group.append(el("option", { value: area.code }, `${area.name} (${area.code})`));
    select.append(group);
  }
}
