// Web chat: posts the question to /api/ask and reads its Server-Sent Events (api.js). The events speak the snake_case
// contract of `ask --json` (AnswerJson): retrieved {search_query, sources} as soon as the sources are chosen, token
// {text}*, claim {text, cited, verdict, evidence, suggested} per checked claim, sources {citations, sources, ...}, done
// (the whole answer, with claims and grounding when the evidence check ran, and conversation_id when the service keeps
// conversations), error {title, detail, status}. Plain ES modules, no framework and no build step: the page is served
// by the service and works offline, under a Content-Security-Policy without inline script or style.
import { api, json, problemText, readEvents, field, state, duration, count, aboutLeft } from "./api.js";
import { renderMarkdown } from "./markdown.js";
import { queryTerms, showPreview, hidePreview, openPaper, bestSentence, loadPaper, setUpPaperBrowser } from "./sources.js";
import {
  current, refreshConversations, loadConversation, setUpConversations, refreshDocuments, setUpDocuments, setUpDrawer, closeDrawer,
} from "./sidebar.js";

const form = document.getElementById("ask-form");
const questionBox = document.getElementById("question");
const askButton = document.getElementById("ask");
const stopButton = document.getElementById("stop");
const conversation = document.getElementById("conversation");
const emptyHint = document.getElementById("empty-hint");
let controller = null;

// Earlier turns, sent as history only to a service that does not keep conversations itself.
const localHistory = [];

// ---- Header: model, retrieval mode, corpus -------------------------------------------------------------------

const downloadButton = document.getElementById("download-model");
let statusTimer = 0;
let lastIndexBuild = null;

async function refreshStatus() {
  clearTimeout(statusTimer);
  let busy = true;
  try {
    const response = await api("/api/status");
    if (!response.ok) throw new Error(await problemText(response));
    busy = showStatus(await response.json());
  } catch (error) {
    setItem("status-model", `The service is not reachable (${error.message}).`, true);
    setItem("status-retrieval", "");
    setItem("status-corpus", "");
  }
  statusTimer = setTimeout(refreshStatus, busy ? 2000 : 15000);
}

function setItem(id, text, isError) {
  const element = document.getElementById(id);
  element.textContent = text;
  element.classList.toggle("state-error", !!isError);
}

/** Shows the status; true while something is still changing (loading, indexing, embedding, downloading). */
function showStatus(status) {
  const model = status.model || {};
  const modelState = state(field(model, "chat_model_state"));
  const offer = field(model, "chat_model_download");
  const progress = offer && offer.progress;
  const downloading = progress && ["running", "pending", "downloading", "verifying", "loading"].includes(state(progress.state));
  let busy = !status.ready || downloading;

  if (modelState === "pending") {
    setItem("status-model", "Loading the model…");
  } else if (modelState === "loaded" || modelState === "remote") {
    const name = model.description || (field(model, "chat_model") || "").split(/[\\/]/).pop();
    setItem("status-model", `Model: ${name}`);
  } else {
    const why = modelState === "failed" ? ` (the model failed to load: ${model.error})` : "";
    setItem("status-model", `Retrieval-only: answers are extracted sentences${why}`, modelState === "failed");
  }

  if (offer && downloading) {
    const total = field(progress, "total_bytes");
    const done = field(progress, "bytes_received") || 0;
    const share = total ? ` ${Math.floor((100 * done) / total)}% (${Math.round(done / 1048576)} of ${Math.round(total / 1048576)} MB)` : ` ${Math.round(done / 1048576)} MB`;
    setItem("status-model", `Downloading ${offer.name}:${share}…`);
    downloadButton.hidden = true;
  } else if (offer && modelState !== "loaded" && modelState !== "remote" && modelState !== "pending") {
    const size = field(offer, "size_bytes") ? `${Math.round(field(offer, "size_bytes") / 1048576)} MB` : field(offer, "approx_size_mb") ? `about ${field(offer, "approx_size_mb")} MB` : "size unknown";
    downloadButton.textContent = `Download ${offer.name} (${size}${offer.license ? `, ${offer.license}` : ""})`;
    downloadButton.hidden = false;
    if (progress && state(progress.state) === "failed") setItem("status-model", `The download failed: ${progress.error}`, true);
  } else {
    downloadButton.hidden = true;
  }

  const embedding = status.embedding || {};
  const embeddingState = state(embedding.state);
  const embedder = field(model, "embedding_model");
  const sentencesDone = field(embedding.sentences, "done") || 0;
  const sentencesTotal = field(embedding.sentences, "total") || 0;
  if (embeddingState === "ready" && sentencesDone < sentencesTotal) {
    // The "not covered" check reads the sentence vectors once all are embedded (in the background, after the passages).
    // The time left is worded as the console words it, and left out while the service has no estimate.
    setItem("status-retrieval", `Hybrid search${embedder ? ` · ${embedder}` : ""} · source sentences ${sentencesDone.toLocaleString("en")} of ${sentencesTotal.toLocaleString("en")} embedded${aboutLeft(field(embedding.sentences, "eta_seconds"))}`);
    busy = true;
  } else if (embeddingState === "ready" && ["queued", "running"].includes(state(embedding.second_dense))) {
    // The second dense retriever joins the ranking once its own passage vectors are embedded (after the sentences).
    setItem("status-retrieval", `Hybrid search${embedder ? ` · ${embedder}` : ""} · the second embedder joins once its passages are embedded`);
    busy = true;
  } else if (embeddingState === "ready") {
    setItem("status-retrieval", `Hybrid search${embedder ? ` · ${embedder}` : ""}`);
  } else if (embeddingState === "running") {
    const total = embedding.total || 0;
    const share = total ? Math.floor((100 * (embedding.done || 0)) / total) : 0;
    setItem("status-retrieval", `Keyword search until the semantic index is ready: ${share}% (${(embedding.done || 0).toLocaleString("en")} of ${count(total, "passage")}${aboutLeft(field(embedding, "eta_seconds"))})`);
    busy = true;
  } else if (embeddingState === "failed") {
    setItem("status-retrieval", `Keyword search: the semantic index failed (${embedding.error})`, true);
  } else {
    setItem("status-retrieval", "Keyword search (BM25; no embedding model)");
  }

  const index = status.index || {};
  const indexState = state(index.state);
  const papers = status.corpus ? status.corpus.papers : 0;
  if (indexState === "building") {
    setItem("status-corpus", "Indexing the corpus…");
    busy = true;
  } else if (indexState === "refreshing") {
    setItem("status-corpus", `${count(papers, "paper")} · re-indexing…`);
    busy = true;
  } else if (indexState === "failed") {
    setItem("status-corpus", `Indexing failed: ${index.error}`, true);
  } else {
    setItem("status-corpus", count(papers, "paper"));
  }

  const built = field(index, "last_built_at");
  if (lastIndexBuild && built !== lastIndexBuild) refreshDocuments();
  lastIndexBuild = built;
  return busy;
}

// Narrow screens show the status on one line; the toggle shows all of it.
const statusToggle = document.getElementById("status-toggle");
statusToggle.addEventListener("click", () => {
  const expanded = statusToggle.getAttribute("aria-expanded") !== "true";
  statusToggle.setAttribute("aria-expanded", String(expanded));
  statusToggle.closest(".topbar").classList.toggle("status-expanded", expanded);
});

downloadButton.addEventListener("click", async () => {
  downloadButton.disabled = true;
  const response = await api("/api/models/chat/download", json("POST", {}));
  if (!response.ok && response.status !== 409) setItem("status-model", await problemText(response), true);
  downloadButton.disabled = false;
  refreshStatus();
});

// ---- Theme ---------------------------------------------------------------------------------------------------

const themeKey = "ragassistant-theme";
const themeToggle = document.getElementById("theme-toggle");
const systemDark = window.matchMedia("(prefers-color-scheme: dark)");

function applyTheme() {
  const chosen = localStorage.getItem(themeKey);
  if (chosen) document.documentElement.dataset.theme = chosen;
  else delete document.documentElement.dataset.theme;
  const dark = chosen ? chosen === "dark" : systemDark.matches;
  themeToggle.setAttribute("aria-pressed", String(dark));
}

themeToggle.addEventListener("click", () => {
  const dark = themeToggle.getAttribute("aria-pressed") === "true";
  // Back to following the system when the choice equals it.
  if ((!dark) === systemDark.matches) localStorage.removeItem(themeKey);
  else localStorage.setItem(themeKey, dark ? "light" : "dark");
  applyTheme();
});
systemDark.addEventListener("change", applyTheme);
applyTheme();

// ---- Answers -------------------------------------------------------------------------------------------------

const citationMarker = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
const verdictWords = { partly: "partly supported", unsupported: "not supported by its sources", uncited: "cites no source" };

/** A turn on the page: its elements and what the stream told about it so far. */
function newTurn(question) {
  emptyHint.hidden = true;
  const element = document.createElement("article");
  element.className = "turn";
  const heading = document.createElement("h2");
  heading.className = "question";
  heading.textContent = question;
  const progress = document.createElement("p");
  progress.className = "progress";
  progress.setAttribute("role", "status");
  const answer = document.createElement("div");
  answer.className = "answer";
  const extras = document.createElement("div");
  extras.className = "extras";
  element.append(heading, progress, answer, extras);
  element.setAttribute("aria-label", `Question: ${question}`);
  conversation.append(element);
  return { element, question, progress, answer, extras, text: "", sources: [], cited: new Set(), claims: [], searchQuery: question, result: null };
}

function renderAnswer(turn) {
  renderMarkdown(turn.answer, turn.text, (parent, text) => appendCited(parent, text, turn));
  markClaims(turn);
}

// Text with its [n] markers turned into chips; a chip previews its source on hover and focus and opens it on click.
function appendCited(parent, text, turn) {
  let last = 0;
  for (const match of text.matchAll(citationMarker)) {
    parent.append(text.slice(last, match.index));
    const group = document.createElement("span");
    group.className = "cite";
    group.append(hiddenText("["));
    match[1].split(",").map(n => parseInt(n.trim(), 10)).forEach((n, i) => {
      if (i > 0) group.append(hiddenText(", "));
      group.append(chip(n, turn));
    });
    group.append(hiddenText("]"));
    parent.append(group);
    last = match.index + match[0].length;
  }
  parent.append(text.slice(last));
}

function hiddenText(text) {
  const span = document.createElement("span");
  span.className = "visually-hidden";
  span.textContent = text;
  return span;
}

function chip(n, turn) {
  const source = turn.sources.find(s => s.n === n);
  const button = document.createElement("button");
  button.type = "button";
  button.className = source ? "chip citation" : "chip invalid";
  button.textContent = String(n);
  button.dataset.n = String(n);
  if (!source) {
    button.setAttribute("aria-label", turn.result ? `Source ${n} (no such source)` : `Source ${n}`);
    if (turn.result) button.disabled = true;
    return button;
  }
  button.dataset.paperId = source.paper_id;
  button.setAttribute("aria-label", `Source ${n}: ${source.title}`);
  const info = () => ({ source, sentence: evidenceFor(turn, n, button), terms: queryTerms(turn.searchQuery) });
  button.addEventListener("mouseenter", () => showPreview(button, info()));
  button.addEventListener("focus", () => showPreview(button, info()));
  button.addEventListener("mouseleave", () => hidePreview(button));
  button.addEventListener("blur", () => hidePreview(button));
  button.addEventListener("click", () => openSource(turn, source, evidenceFor(turn, n, button)));
  return button;
}

/**
 * The evidence sentence of source n for the claim a chip belongs to: of the claims citing n, the one whose text ends
 * nearest before the chip; without a chip, the best-scored evidence of n in the answer. Null when none was reported.
 */
function evidenceFor(turn, n, chipElement) {
  const candidates = turn.claims.filter(c => (c.evidence || []).some(e => e.n === n));
  if (!candidates.length) return null;
  let claim = null;
  if (chipElement) {
    const block = chipElement.closest("p, li, h3, h4, h5, h6, blockquote") || turn.answer;
    const range = document.createRange();
    range.setStart(block, 0);
    range.setEndBefore(chipElement);
    const before = range.toString();
    let bestAt = -1;
    for (const c of candidates) {
      const at = before.lastIndexOf(claimCore(c.text).slice(0, 40));
      if (at > bestAt) { bestAt = at; claim = c; }
    }
  }
  const evidence = (claim ? claim.evidence : candidates.flatMap(c => c.evidence)).filter(e => e.n === n);
  evidence.sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  return evidence.length ? evidence[0].sentence : null;
}

// Without a reported evidence sentence, the sentence of the paper closest to the question is highlighted instead.
async function openSource(turn, source, sentence) {
  const terms = queryTerms(turn.searchQuery);
  if (!sentence) {
    const paper = await loadPaper(source.paper_id);
    if (paper && !paper.error) sentence = bestSentence(paper.abstract, terms);
  }
  openPaper(source.paper_id, sentence, terms);
}

// A claim's words as they appear in the rendered answer: without citation markers or Markdown emphasis.
function claimCore(text) {
  return text.replace(citationMarker, "").replace(/[*_`]/g, "").replace(/\s+([.,;:!?])/g, "$1").trim().replace(/[.;:!?]+$/, "").trim();
}

// Each claim is wrapped where it appears in the rendered answer (across emphasis or code, outside the citation chips):
// unsupported claims get a wavy underline, partly supported a dashed one, uncited a dotted one, each followed by a
// badge in words after its citations. A claim not found verbatim gets its badge at the end of the paragraph it is in.
function markClaims(turn) {
  for (const claim of turn.claims) {
    const verdict = state(claim.verdict);
    const core = claimCore(claim.text || "");
    if (!core) continue;
    const spans = wrapText(turn.answer, core, `claim ${verdict}`);
    if (!verdictWords[verdict]) continue;
    if (spans.length) {
      insertBadgeAfterCitations(spans[spans.length - 1], claim, verdict, turn);
    } else {
      const block = [...turn.answer.querySelectorAll("p, li")].find(b => b.textContent.includes(core.slice(0, 30)));
      if (block) block.append(badge(claim, verdict, turn));
    }
  }
}

// Wraps the first occurrence of `text` within one block of `root` in spans of `className`, one per text node it covers.
function wrapText(root, text, className) {
  for (const block of root.querySelectorAll("p, li, h3, h4, h5, h6")) {
    const nodes = [];
    let joined = "";
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // Not the chips nor badges, and not the text of a nested list item.
      if (node.parentElement.closest(".cite, .claim-note") || node.parentElement.closest("p, li, h3, h4, h5, h6") !== block) continue;
      nodes.push({ node, start: joined.length });
      joined += node.data;
    }
    const at = joined.indexOf(text);
    if (at < 0) continue;
    const end = at + text.length;
    const spans = [];
    for (const { node, start } of nodes) {
      const from = Math.max(at, start);
      const to = Math.min(end, start + node.data.length);
      if (from >= to) continue;
      let target = node;
      if (from > start) target = target.splitText(from - start);
      if (to < start + node.data.length) target.splitText(to - from);
      const span = document.createElement("span");
      span.className = className;
      target.replaceWith(span);
      span.append(target);
      spans.push(span);
    }
    return spans;
  }
  return [];
}

function insertBadgeAfterCitations(span, claim, verdict, turn) {
  let after = span;
  // Past the claim's chips and its closing punctuation, so "… decoding [1]. (badge)" reads naturally.
  for (let next = after.nextSibling; next; next = after.nextSibling) {
    if (next.nodeType === Node.ELEMENT_NODE && next.classList.contains("cite")) { after = next; continue; }
    if (next.nodeType !== Node.TEXT_NODE) break;
    const punctuation = /^\s*[.,;:!?]*/.exec(next.data)[0];
    if (!punctuation) break;
    if (punctuation.length < next.data.length) next.splitText(punctuation.length);
    after = next;
    if (/[.,;:!?]/.test(punctuation)) break;
  }
  after.after(badge(claim, verdict, turn));
}

let suggestionIds = 0;

// The verdict in words, as a button: hover or focus shows the sources that do support the claim (with their
// sentences), a click opens the first of them at that sentence (or the cited source at its closest sentence).
function badge(claim, verdict, turn) {
  const note = document.createElement("span");
  note.className = "claim-note";
  const button = document.createElement("button");
  button.type = "button";
  button.className = `claim-badge ${verdict}`;
  button.textContent = verdictWords[verdict];
  const tip = document.createElement("span");
  tip.className = "suggestion";
  tip.setAttribute("role", "tooltip");
  tip.id = `suggestion-${++suggestionIds}`;
  const suggested = claim.suggested || [];
  const lines = suggested.map(n => {
    const source = turn.sources.find(s => s.n === n);
    const evidence = (claim.evidence || []).find(e => e.n === n);
    return `Supported by [${n}]${source ? ` ${source.title}` : ""}${evidence ? `: “${evidence.sentence}”` : ""}`;
  });
  tip.textContent = lines.length ? lines.join(" ") : "No offered source supports it.";
  button.setAttribute("aria-describedby", tip.id);
  const target = suggested[0] ?? (claim.cited || [])[0];
  button.addEventListener("click", () => {
    const source = turn.sources.find(s => s.n === target);
    const evidence = (claim.evidence || []).find(e => e.n === target);
    if (source) openSource(turn, source, evidence ? evidence.sentence : null);
  });
  note.append(button, tip);
  return note;
}

function showProgress(turn, text) {
  turn.progress.textContent = text;
}

function renderSources(turn) {
  let section = turn.extras.querySelector(".sources");
  if (!turn.sources.length) { section?.remove(); return; }
  if (!section) {
    section = document.createElement("section");
    section.className = "sources";
    const heading = document.createElement("h3");
    heading.textContent = "Sources";
    section.append(heading, document.createElement("ol"));
    turn.extras.prepend(section);
  }
  const list = section.querySelector("ol");
  list.replaceChildren(...turn.sources.map(source => {
    const item = document.createElement("li");
    item.value = source.n;
    const cited = turn.cited.has(source.n);
    item.className = cited ? "cited" : "";
    const open = document.createElement("button");
    open.type = "button";
    open.className = "link source-title";
    open.textContent = source.title;
    open.dataset.paperId = source.paper_id;
    open.addEventListener("click", () => openSource(turn, source, evidenceFor(turn, source.n, null)));
    item.append(open);
    if (source.date) item.append(` (${source.date})`);
    if (cited) {
      const mark = document.createElement("span");
      mark.className = "badge";
      mark.textContent = "cited";
      item.append(mark);
    }
    return item;
  }));
  section.setAttribute("aria-label", `Sources: ${count(turn.sources.length, "paper")}, ${turn.cited.size} cited`);
}

function citedIn(text) {
  const numbers = new Set();
  for (const match of text.matchAll(citationMarker)) match[1].split(",").forEach(n => numbers.add(parseInt(n.trim(), 10)));
  return numbers;
}

function addLine(turn, className, text) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  turn.extras.append(p);
  return p;
}

function timingsInWords(result) {
  const t = result.timings_ms || {};
  const mode = result.mode;
  if (mode === "retrieval-only") return `Extracted from the sources in ${duration(t.total || 0)} (retrieval-only: no model wrote this answer).`;
  if (result.chat) return "Nothing to search in the papers, so no model was asked.";
  if (mode === "not-covered") return `Searched in ${duration(t.retrieval || t.total || 0)}: no paper was relevant enough, so no model was asked.`;
  const tokens = result.usage ? result.usage.completion_tokens : 0;
  const cached = result.usage && result.usage.cached_prompt_tokens ? `, ${count(result.usage.cached_prompt_tokens, "prompt token")} reused from the cache` : "";
  return `Answered in ${duration(t.total || 0)}: searching took ${duration(t.retrieval || 0)}, the first words came after ${duration(t.first_token || 0)}, ${count(tokens, "token")} written${cached}.`;
}

function quotesSummary(turn, quotes) {
  const line = document.createElement("p");
  line.className = "grounding";
  line.textContent = `${count(quotes, "quoted sentence")}, each its source's own words: no model wrote this answer, so there is no claim to check.`;
  turn.extras.append(line);
}

function groundingSummary(turn, grounding) {
  const line = document.createElement("p");
  line.className = "grounding";
  line.append(`Grounding of ${count(grounding.claims, "claim")}: `);
  const parts = [["supported", "supported"], ["partly", "partly supported"], ["unsupported", "not supported"], ["uncited", "uncited"]];
  parts.forEach(([key, words], i) => {
    if (i > 0) line.append(", ");
    const span = document.createElement("span");
    span.className = key;
    span.textContent = `${grounding[key] ?? 0} ${words}`;
    line.append(span);
  });
  line.append(". “Supported” means the cited source holds a sentence close to the claim; it is not a proof.");
  turn.extras.append(line);
}

/** Everything shown once an answer is complete: sources marked as cited, claims, notes, timings, actions. */
function finish(turn, result) {
  turn.result = result;
  turn.text = result.answer;
  turn.sources = result.sources || turn.sources;
  turn.cited = new Set((result.citations || []).map(c => c.n));
  if (Array.isArray(result.claims)) turn.claims = result.claims;
  turn.searchQuery = result.search_query || turn.searchQuery;
  turn.answer.classList.remove("streaming");
  turn.answer.classList.toggle("refused", !!result.refused && !result.chat);
  renderAnswer(turn);
  turn.extras.replaceChildren();
  renderSources(turn);
  // Quotes are their sources' own sentences: "N of N supported" would hold by construction, on topic or not, so a
  // retrieval-only answer has no grounding (null) and its claims are counted as quotes.
  const quotes = Array.isArray(result.claims) ? result.claims.length : 0;
  if (state(result.mode) === "retrievalonly") { if (quotes) quotesSummary(turn, quotes); }
  else if (result.grounding && result.grounding.claims) groundingSummary(turn, result.grounding);
  if (result.finish_reason === "length") addLine(turn, "note", "Note: the answer reached its length limit (Answering:MaxAnswerTokens) and stops mid-way; ask for a shorter answer or a narrower question.");
  if (result.retrieval_notice) addLine(turn, "note", `Note: ${result.retrieval_notice}`);
  addLine(turn, "timings", timingsInWords(result));
  addActions(turn);
  showProgress(turn, "");
}

function addActions(turn) {
  const actions = document.createElement("div");
  actions.className = "actions";
  const copy = document.createElement("button");
  copy.type = "button";
  copy.textContent = "Copy";
  copy.setAttribute("aria-label", "Copy the answer with its references as Markdown");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(asMarkdown(turn));
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Copy failed";
    }
    setTimeout(() => { copy.textContent = "Copy"; }, 2000);
  });
  const again = document.createElement("button");
  again.type = "button";
  again.textContent = "Regenerate";
  again.setAttribute("aria-label", "Regenerate: ask this question again");
  again.addEventListener("click", () => { if (!controller) ask(turn.question, turn); });
  actions.append(copy, again);
  turn.extras.append(actions);
}

/** The answer as Markdown, with a reference list of the sources it cites. */
export function asMarkdown(turn) {
  const cited = turn.sources.filter(s => turn.cited.has(s.n));
  const references = cited.map(s => `[${s.n}] ${s.title}${s.date ? ` (${s.date})` : ""}. ${s.paper_id}`);
  return references.length ? `${turn.text.trim()}\n\n**References**\n\n${references.join("  \n")}\n` : `${turn.text.trim()}\n`;
}

function nearBottom() {
  return conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 120;
}

function scrollToEnd() {
  conversation.scrollTop = conversation.scrollHeight;
}

/** Asks `question`; into a new turn, or into `again` (regenerate), replacing what it showed. */
async function ask(question, again) {
  const turn = again || newTurn(question);
  if (again) {
    Object.assign(turn, { text: "", sources: [], cited: new Set(), claims: [], result: null });
    turn.answer.replaceChildren();
    turn.extras.replaceChildren();
  }
  turn.answer.classList.add("streaming");
  turn.answer.classList.remove("refused");
  showProgress(turn, "Searching the papers…");
  scrollToEnd();
  controller = new AbortController();
  askButton.disabled = true;
  stopButton.disabled = false;
  try {
    const body = current.id ? { question, conversation_id: current.id } : { question, history: localHistory.slice(-10) };
    const response = await api("/api/ask", json("POST", body, { headers: { "Content-Type": "application/json", Accept: "text/event-stream" }, signal: controller.signal }));
    if (!response.ok) {
      if (response.status === 404 && current.id) current.id = null;
      addLine(turn, "error", await problemText(response));
      return;
    }
    const conversationId = response.headers.get("X-Conversation-Id");
    if (conversationId) current.id = conversationId;
    for await (const { event, data } of readEvents(response)) {
      const follow = nearBottom();
      if (event === "retrieved") {
        turn.sources = data.sources;
        turn.searchQuery = data.search_query || question;
        showProgress(turn, data.sources.length ? `Reading ${count(data.sources.length, "source")}…` : "No paper is relevant enough; answering without sources…");
        renderSources(turn);
      } else if (event === "token") {
        turn.text += data.text;
        turn.cited = citedIn(turn.text);
        showProgress(turn, "");
        renderAnswer(turn);
        renderSources(turn);
      } else if (event === "claim") {
        turn.claims.push(data);
        renderAnswer(turn);
      } else if (event === "sources") {
        turn.sources = data.sources;
        turn.cited = new Set((data.citations || []).map(c => c.n));
        renderAnswer(turn);
        renderSources(turn);
      } else if (event === "done") {
        finish(turn, data);
        if (data.conversation_id) current.id = data.conversation_id;
        if (!current.id) localHistory.push({ role: "user", content: question }, { role: "assistant", content: data.answer });
      } else if (event === "error") {
        addLine(turn, "error", data.detail);
      }
      if (follow) scrollToEnd();
    }
  } catch (error) {
    addLine(turn, error.name === "AbortError" ? "note" : "error", error.name === "AbortError" ? "Stopped." : `The answer stopped: ${error.message}`);
  } finally {
    turn.answer.classList.remove("streaming");
    showProgress(turn, "");
    controller = null;
    askButton.disabled = false;
    stopButton.disabled = true;
    if (current.id) refreshConversations();
  }
}

form.addEventListener("submit", event => {
  event.preventDefault();
  const question = questionBox.value.trim();
  if (!question || controller) return;
  questionBox.value = "";
  ask(question);
});

questionBox.addEventListener("keydown", event => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

stopButton.addEventListener("click", () => controller && controller.abort());

// Escape: the preview, then the drawer, then a running answer.
document.addEventListener("keydown", event => {
  if (event.key !== "Escape" || document.querySelector("dialog[open]")) return;
  if (!document.getElementById("preview").hidden) { hidePreview(); return; }
  if (closeDrawer()) return;
  if (controller) controller.abort();
});

// ---- Conversations -------------------------------------------------------------------------------------------

function clearConversation() {
  conversation.replaceChildren(emptyHint);
  emptyHint.hidden = false;
  localHistory.length = 0;
}

function showStored(stored) {
  clearConversation();
  for (const storedTurn of stored.turns || []) {
    const turn = newTurn(storedTurn.question);
    const answer = storedTurn.answer;
    if (answer && typeof answer === "object") {
      finish(turn, answer);
    } else {
      turn.text = storedTurn.partial_answer || (typeof answer === "string" ? answer : "");
      renderAnswer(turn);
      if (storedTurn.status === "failed") addLine(turn, "error", `The answer failed: ${storedTurn.error}`);
      else if (storedTurn.status) addLine(turn, "note", "The answer was stopped.");
    }
  }
  scrollToEnd();
}

async function openConversation(id) {
  if (controller) return;
  const stored = await loadConversation(id);
  if (!stored) {
    if (current.id === id) current.id = null;
    refreshConversations();
    return;
  }
  current.id = id;
  showStored(stored);
  refreshConversations();
  closeDrawer();
  questionBox.focus();
}

setUpConversations({
  open: openConversation,
  new: () => {
    if (controller) controller.abort();
    current.id = null;
    clearConversation();
    refreshConversations();
    closeDrawer();
    questionBox.focus();
  },
});

setUpDocuments({ indexed: () => refreshStatus() });
setUpDrawer();
setUpPaperBrowser();

// Close a dialog by clicking its backdrop (Escape already closes it).
for (const dialog of document.querySelectorAll("dialog")) {
  dialog.addEventListener("click", event => { if (event.target === dialog) dialog.close(); });
}

async function restore() {
  if (current.id) {
    const stored = await loadConversation(current.id);
    if (stored) showStored(stored);
    else current.id = null;
  }
  refreshConversations();
}

refreshStatus();
refreshDocuments();
restore();
