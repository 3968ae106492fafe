// ShopLens explorer: forms, results, progress and cancel. Data from the server is only
// ever put in the page as text (textContent), never as HTML.
"use strict";

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function fmt(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    return Number.isInteger(v) ? v.toLocaleString("en-US")
      : v.toLocaleString("en-US", { maximumFractionDigits: 4 });
  }
  return String(v);
}

function newJob() {
  return "j" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
}

// -- banner: the database is locked or gone; poll until it is back ----------------------
let bannerTimer = null;
function showBanner(message, onBack) {
  const banner = document.getElementById("banner");
  banner.textContent = message;
  banner.hidden = false;
  if (bannerTimer) return;
  bannerTimer = setInterval(async () => {
    try {
      const r = await fetch("/api/status");
      const s = await r.json();
      if (s.ok) {
        clearInterval(bannerTimer);
        bannerTimer = null;
        banner.hidden = true;
        if (onBack) onBack();
      } else if (s.message) {
        banner.textContent = s.message;
      }
    } catch (e) { /* server restarting: keep polling */ }
  }, 2000);
}

// -- a query with progress and cancel -----------------------------------------------------
// `request` is the body of /api/run: {query} (a query document) or {kind, form} (the
// page's fields). A new run on a box cancels the one still running there.
async function runQuery(box, request, onResult) {
  if (box.cancelRun) box.cancelRun(true);
  const progress = box.querySelector(".progress");
  const message = box.querySelector(".message");
  const job = newJob();
  const controller = new AbortController();
  const started = performance.now();
  let superseded = false;
  const cancel = (replaced) => {
    superseded = !!replaced;
    fetch("/api/cancel", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ job }) });
    controller.abort();
  };
  box.cancelRun = cancel;
  message.hidden = true;
  box.classList.add("loading");
  box.dataset.state = "running";
  let tick = null;
  if (progress) {
    progress.hidden = false;
    const elapsed = progress.querySelector(".elapsed");
    tick = setInterval(() => {
      if (elapsed) elapsed.textContent = ((performance.now() - started) / 1000).toFixed(1) + " s";
    }, 100);
    const button = progress.querySelector(".cancel");
    if (button) button.onclick = () => cancel(false);
  }
  const done = (state, text) => {
    if (tick) clearInterval(tick);
    if (superseded) return;  // the next run owns the box now
    if (box.cancelRun === cancel) box.cancelRun = null;
    if (progress) progress.hidden = true;
    box.classList.remove("loading");
    box.dataset.state = state;
    if (text) { message.textContent = text; message.hidden = false; }
  };
  let response, body;
  try {
    response = await fetch("/api/run", { method: "POST", signal: controller.signal,
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...request, job }) });
    body = await response.json();
  } catch (e) {
    done("cancelled", controller.signal.aborted ? "Cancelled." : "The server did not answer: " + e);
    return;
  }
  if (superseded) return;
  if (!response.ok) {
    if (body.banner) showBanner(body.error, () => runQuery(box, request, onResult));
    done(body.cancelled ? "cancelled" : "error", body.cancelled ? "Cancelled." : body.error);
    return;
  }
  if (progress) progress.hidden = true;
  await onResult(body);  // "done" once every chart is drawn
  done("done");
}

function sized(div, fig) {
  div.style.height = ((fig.layout && fig.layout.height) || 420) + "px";
  return div;
}

async function drawFigures(container, figures) {
  figures = figures || [];
  const config = { responsive: true, displaylogo: false };
  const existing = [...container.querySelectorAll(":scope > .chart")];
  if (existing.length && existing.length === figures.length) {
    // the same charts with new data: plotly updates them in place (no new DOM, no layout
    // of the page), which is what makes changing a breakdown feel immediate
    await Promise.all(figures.map((fig, i) => Plotly.react(sized(existing[i], fig), fig.data,
      fig.layout, config)));
    return existing;
  }
  existing.forEach((div) => Plotly.purge(div));
  container.replaceChildren();
  // every container first, then the charts: each measures its own box
  // the box has the figure's height: plotly's responsive mode sizes a chart to its box on
  // every window resize, and a box without a height collapses it
  const divs = figures.map((fig) => sized(container.appendChild(el("div", { class: "chart" })),
    fig));
  await Promise.all(figures.map((fig, i) => Plotly.newPlot(divs[i], fig.data, fig.layout,
    config)));
  return divs;
}

// rows drawn at once; the rest on "show all" (hundreds of rows of DOM cost more than the
// chart they sit under, and the CSV has every row anyway)
const ROWS_SHOWN = 100;

function drawTable(container, table) {
  container.replaceChildren();
  if (!table || !table.columns.length) return;
  const t = el("table", { class: "data result-table" });
  const head = el("tr");
  table.columns.forEach((c) => head.appendChild(el("th", {}, c)));
  t.appendChild(el("thead")).appendChild(head);
  const tbody = t.appendChild(el("tbody"));
  const addRows = (rows) => {
    const frag = document.createDocumentFragment();
    for (const row of rows) {
      const tr = frag.appendChild(el("tr"));
      row.forEach((v, i) => {
        const num = typeof v === "number";
        tr.appendChild(el("td", { class: num ? "num" : null, "data-col": table.columns[i],
          "data-value": v === null ? "" : String(v) }, fmt(v)));
      });
    }
    tbody.appendChild(frag);
  };
  addRows(table.rows.slice(0, ROWS_SHOWN));
  container.appendChild(t);
  if (table.rows.length > ROWS_SHOWN) {
    const more = el("button", { type: "button", class: "more-rows" },
      `show all ${table.rows.length} rows`);
    more.onclick = () => { addRows(table.rows.slice(ROWS_SHOWN)); more.remove(); };
    container.appendChild(more);
  }
  if (table.total > table.rows.length) {
    container.appendChild(el("p", { class: "note" },
      `the first ${table.rows.length} of ${table.total} rows; the CSV has them all`));
  }
}

// where an answer was read (the result's "source"), in the words of docs/queries.md
const SOURCES = { rollups: "from rollups", raw: "from the raw events",
  mixed: "from rollups and the raw events" };

async function showResult(box, result) {
  const kind = box.dataset.kind;
  if (result.query) box.dataset.query = JSON.stringify(result.query);
  if (result.url && result.url !== location.pathname + location.search) {
    history.pushState({ explorer: true }, "", result.url);  // the link reproduces the view
  }
  const meta = box.querySelector(".meta");
  meta.replaceChildren();
  const facts = [`${result.date_from || "…"} → ${result.date_to || "…"}`,
    SOURCES[result.source] || `from ${result.source}`,
    result.cached ? "cached" : `${result.seconds} s`];
  meta.appendChild(el("span", { class: "facts" }, facts.join(" · ")));
  for (const n of result.notes || []) meta.appendChild(el("p", { class: "note" }, n));
  const charts = await drawFigures(box.querySelector(".charts"), result.figures);
  drawTable(box.querySelector(".table"), result.table);
  const sql = box.querySelector(".sql-body");
  sql.replaceChildren(...(result.sql || []).map((s) => el("pre", {}, s)));
  box.querySelector("details.sql").hidden = !(result.sql || []).length;
  const tools = box.querySelector(".tools");
  tools.hidden = false;
  const form = document.getElementById("query-form");
  const params = new URLSearchParams(form ? formFields(form) : "");
  params.set("kind", kind);
  tools.querySelector(".csv").href = "/api/csv?" + params.toString();
  tools.querySelector(".png").onclick = () => {
    if (charts.length) Plotly.downloadImage(charts[0], { format: "png", filename: "shoplens-" + kind,
      width: 1200, height: 600 });
  };
  const save = tools.querySelector("form.save");
  save.onsubmit = async (ev) => {
    ev.preventDefault();
    const data = new FormData(save);
    const r = await fetch("/api/saved", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: data.get("name"), dashboard: data.get("dashboard") || null,
        query: JSON.parse(box.dataset.query) }) });
    const b = await r.json();
    save.querySelector(".saved").textContent = r.ok ? "saved ✓" : b.error;
  };
}

// -- forms: rows to add and remove, values of a property --------------------------------
function setupForm(form) {
  form.addEventListener("click", (ev) => {
    const add = ev.target.closest("button.add");
    if (add) {
      const rows = form.querySelector(`[data-rows="${add.dataset.add}"]`);
      const last = rows.querySelector(".row:last-child");
      const copy = last.cloneNode(true);
      copy.querySelectorAll("input").forEach((i) => { i.value = ""; });
      copy.querySelectorAll("select").forEach((s) => { s.selectedIndex = 0; });
      rows.appendChild(copy);
    }
    const remove = ev.target.closest("button.remove");
    if (remove) {
      const rows = remove.closest(".rows");
      const row = remove.closest(".row");
      if (rows.querySelectorAll(".row").length > 1) row.remove();
      else row.querySelectorAll("input").forEach((i) => { i.value = ""; });
    }
  });
  form.addEventListener("change", async (ev) => {
    if (ev.target.name !== "fp" || !ev.target.value) return;
    const row = ev.target.closest(".row");
    const r = await fetch("/api/values?property=" + encodeURIComponent(ev.target.value));
    if (!r.ok) return;
    const body = await r.json();
    const id = "values-" + Math.random().toString(36).slice(2);
    const list = el("datalist", { id });
    body.values.forEach((v) => list.appendChild(el("option", { value: v })));
    row.appendChild(list);
    row.querySelector("input.value").setAttribute("list", id);
  });
  // the form is a GET form (it works without this script); here it runs in place: only
  // the result is fetched and the charts are updated, the page is not reloaded
  const box = document.getElementById("result");
  if (!box) return;
  const run = () => runQuery(box, { kind: form.dataset.kind, form: formFields(form) },
    (r) => showResult(box, r));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  let timer = null;
  form.addEventListener("change", (ev) => {
    // a choice from a list runs at once; typed text (filter values, dates, formula) on
    // Enter or Run
    const t = ev.target;
    const typed = t.tagName === "INPUT" && t.type !== "checkbox" && t.name !== "breakdown";
    if (typed || t.name === "fo") return;  // a filter's operator waits for its value
    clearTimeout(timer);
    timer = setTimeout(run, 0);  // several changes in one event loop turn: one run
  });
}

// the form's fields as the URL carries them; empty ones stay out, so links are short
function formFields(form) {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) {
    if (["from", "to", "formula"].includes(k) && !v) continue;
    params.append(k, v);
  }
  return params.toString();
}

// -- pages ----------------------------------------------------------------------------------
async function loadOverview(box) {
  const started = performance.now();
  const elapsed = box.querySelector(".elapsed");
  const tick = setInterval(() => {
    elapsed.textContent = ((performance.now() - started) / 1000).toFixed(1) + " s";
  }, 100);
  const r = await fetch("/api/overview");
  const body = await r.json();
  clearInterval(tick);
  box.querySelector(".progress").hidden = true;
  if (!r.ok) {
    if (body.banner) showBanner(body.error, () => location.reload());
    const m = box.querySelector(".message");
    m.textContent = body.error;
    m.hidden = false;
    box.dataset.state = "error";
    return;
  }
  const kpis = box.querySelector(".kpis");
  const cards = [...body.counts.map(([label, v]) => ({ label, value: v, key: label })),
    ...body.kpis.map((k) => ({ label: k.label, value: k.unit === "%" && k.value !== null
      ? (100 * k.value).toFixed(1) + "%" : k.value, key: k.key, note: k.note }))];
  for (const c of cards) {
    const card = kpis.appendChild(el("div", { class: "kpi", "data-key": c.key }));
    card.appendChild(el("div", { class: "label" }, c.label));
    card.appendChild(el("div", { class: "value", "data-value": c.value === null ? "" : String(c.value) },
      typeof c.value === "number" ? fmt(Math.round(c.value * 100) / 100) : c.value));
    if (c.note) card.appendChild(el("div", { class: "note" }, c.note));
  }
  if (body.span[0]) {
    kpis.appendChild(el("p", { class: "note span" }, `events from ${body.span[0]} to ${body.span[1]} (${body.span[2]} days)`));
  }
  const charts = box.querySelector(".charts");
  // lay every tile out first: a chart drawn before its neighbours exist measures the
  // whole row and overflows once the grid splits it
  const divs = body.figures.map((f) => {
    const wrap = charts.appendChild(el("div", { class: "tile" }));
    const h = wrap.appendChild(el("h3", {}, f.title + " "));
    if (f.explore) h.appendChild(el("a", { href: f.explore, class: "explore" }, "explore, with its SQL →"));
    return sized(wrap.appendChild(el("div", { class: "chart" })), f.figure);
  });
  await Promise.all(body.figures.map((f, i) => Plotly.newPlot(divs[i], f.figure.data,
    f.figure.layout, { responsive: true, displaylogo: false })));
  drawTable(box.querySelector(".tables"), { columns: ["event type", "events"],
    rows: body.event_types, total: body.event_types.length });
  box.dataset.state = "done";
}

// a page whose body is computed after the first paint (customer value, alerts): the body
// is HTML the server rendered from a template (values escaped there), charts are JSON
async function loadPanel(box) {
  const started = performance.now();
  const elapsed = box.querySelector(".elapsed");
  const tick = setInterval(() => {
    elapsed.textContent = ((performance.now() - started) / 1000).toFixed(1) + " s";
  }, 100);
  box.dataset.state = "running";
  let r, text;
  try {
    r = await fetch(box.dataset.src);
    text = await r.text();
  } catch (e) {
    text = null;
  }
  clearInterval(tick);
  box.querySelector(".progress").hidden = true;
  const doc = new DOMParser().parseFromString(text || "<p class='error'>The server did not answer.</p>",
    "text/html");
  const body = box.querySelector(".body");
  body.replaceChildren(...[...doc.body.childNodes].map((n) => document.importNode(n, true)));
  if (r && r.status === 503) showBanner(doc.body.textContent, () => location.reload());
  const charts = [...body.querySelectorAll(".chart[data-figure]")];
  const figs = charts.map((div) => JSON.parse(div.dataset.figure));
  await Promise.all(charts.map((div, i) => Plotly.newPlot(sized(div, figs[i]), figs[i].data,
    figs[i].layout, { responsive: true, displaylogo: false })));
  box.dataset.state = r && r.ok ? "done" : "error";
}

function loadTiles() {
  document.querySelectorAll("article.tile[data-query]").forEach((tile) => {
    runQuery(tile, { query: JSON.parse(tile.dataset.query) },
      (result) => drawFigures(tile.querySelector(".charts"), (result.figures || []).slice(0, 1)));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("query-form");
  if (form) setupForm(form);
  const box = document.getElementById("result");
  if (box) {
    runQuery(box, { query: JSON.parse(box.dataset.query) }, (r) => showResult(box, r));
    // back and forward through views run in place too: the page is rebuilt from its URL
    window.addEventListener("popstate", () => location.reload());
  }
  const overview = document.getElementById("overview");
  if (overview) loadOverview(overview);
  const panel = document.getElementById("panel");
  if (panel) loadPanel(panel);
  loadTiles();
  document.querySelectorAll("button.delete[data-id]").forEach((b) => {
    b.onclick = async () => {
      await fetch("/api/saved/delete", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id: b.dataset.id }) });
      location.reload();
    };
  });
  const banner = document.getElementById("banner");
  if (banner && !banner.hidden) showBanner(banner.textContent, () => location.reload());
});
