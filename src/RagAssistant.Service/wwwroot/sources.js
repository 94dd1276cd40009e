// Sources: the preview beside a citation chip, the reader that opens a paper with the cited sentence highlighted and
// the query's words marked, and the paged paper browser (GET /api/papers?query=).
import { api, problemText, count } from "./api.js";

const stopWords = new Set("the and for with that this from are was were what which who whom how why when where does did has have had into onto about over under than then them they their there these those its it's can could would should will may might not but any all each more most other some such only own same too very just also use used using paper papers".split(" "));

/** The query's content words (3+ letters, no stop words), lower case. */
export function queryTerms(query) {
  return [...new Set((query || "").toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) || [])].filter(w => !stopWords.has(w));
}

const papers = new Map();

/** The paper (cached for the page's life), or null when the service does not know it. */
export async function loadPaper(id) {
  if (!papers.has(id)) {
    const response = await api(`/api/papers/${encodeURIComponent(id)}`);
    if (!response.ok) return { error: await problemText(response) };
    papers.set(id, await response.json());
  }
  return papers.get(id);
}

/** The sentences of a text (ends at . ! ? followed by space and a capital, digit or bracket). */
export function sentences(text) {
  return (text || "").split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}(\["“])/u).filter(s => s.trim());
}

/** The sentence of `text` that shares the most words with `terms`, for a preview when no evidence was reported. */
export function bestSentence(text, terms) {
  let best = null;
  let bestScore = -1;
  for (const sentence of sentences(text)) {
    const lower = sentence.toLowerCase();
    const score = terms.filter(t => lower.includes(t)).length;
    if (score > bestScore) { best = sentence; bestScore = score; }
  }
  return best;
}

// ---- Preview -------------------------------------------------------------------------------------------------

const preview = document.getElementById("preview");
let previewFor = null;

/**
 * The files a paper was read from, joined, for its label; null for an entry of a listing dump (`from_listing`),
 * whose file name (`002_49bc1748ff374979.txt`) says nothing about it, as the console labels sources.
 */
function files(paper) {
  return paper.from_listing ? null : (paper.source_files || [paper.source_file]).join(", ");
}

/**
 * Shows the preview of a source beside `anchor` (a chip): title, date and file, and the evidence sentence.
 * @param {HTMLElement} anchor
 * @param {{source: object, sentence: string|null, terms: string[]}} info
 */
export async function showPreview(anchor, info) {
  previewFor = anchor;
  const { source } = info;
  document.getElementById("preview-title").textContent = source.title;
  document.getElementById("preview-meta").textContent = [source.date, "loading…"].filter(Boolean).join(" · ");
  document.getElementById("preview-sentence").textContent = info.sentence ? `“${info.sentence}”` : "";
  anchor.setAttribute("aria-describedby", "preview");
  preview.hidden = false;
  place(anchor);
  const paper = await loadPaper(source.paper_id);
  if (previewFor !== anchor) return;
  const file = paper && !paper.error ? files(paper) : null;
  document.getElementById("preview-meta").textContent = [source.date, file].filter(Boolean).join(" · ");
  if (!info.sentence && paper && !paper.error) {
    const sentence = bestSentence(paper.abstract, info.terms);
    document.getElementById("preview-sentence").textContent = sentence ? `“${sentence}”` : "";
  }
  place(anchor);
}

function place(anchor) {
  const box = anchor.getBoundingClientRect();
  const width = preview.offsetWidth;
  const height = preview.offsetHeight;
  const left = Math.max(8, Math.min(box.left, window.innerWidth - width - 8));
  const below = box.bottom + 6 + height < window.innerHeight;
  preview.style.left = `${left}px`;
  preview.style.top = `${below ? box.bottom + 6 : Math.max(8, box.top - height - 6)}px`;
}

export function hidePreview(anchor) {
  if (anchor && anchor !== previewFor) return;
  if (previewFor) previewFor.removeAttribute("aria-describedby");
  previewFor = null;
  preview.hidden = true;
}

// ---- Paper reader --------------------------------------------------------------------------------------------

const paperDialog = document.getElementById("paper");

/**
 * Opens a paper: its title, date and file(s), and its text with `sentence` highlighted and scrolled into view and
 * the query's `terms` marked.
 */
export async function openPaper(id, sentence, terms) {
  hidePreview();
  const title = document.getElementById("paper-title");
  const meta = document.getElementById("paper-meta");
  const legend = document.getElementById("paper-legend");
  const body = document.getElementById("paper-abstract");
  const paper = await loadPaper(id);
  if (!paper || paper.error) {
    title.textContent = "Paper not found";
    meta.textContent = "";
    legend.hidden = true;
    body.textContent = paper ? paper.error : "";
  } else {
    title.textContent = paper.title;
    meta.textContent = [paper.date, files(paper)].filter(Boolean).join(" · ");
    highlight(body, paper.abstract, sentence, terms || []);
    const found = body.querySelector("mark.evidence");
    legend.hidden = !found && !body.querySelector("mark.term");
    legend.textContent = found ? "The cited sentence is highlighted; the words of your question are marked." : "The words of your question are marked.";
  }
  if (!paperDialog.open) paperDialog.showModal();
  body.scrollTop = 0;
  const mark = body.querySelector("mark.evidence");
  if (mark) mark.scrollIntoView({ block: "center" });
}

// The text as nodes: the evidence sentence (found verbatim, or with its whitespace normalised) in <mark class=evidence>,
// each query word in <mark class=term>.
function highlight(container, text, sentence, terms) {
  container.replaceChildren();
  let start = -1;
  let end = -1;
  if (sentence) {
    start = text.indexOf(sentence);
    if (start >= 0) {
      end = start + sentence.length;
    } else {
      const pattern = new RegExp(sentence.trim().split(/\s+/).map(w => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+"));
      const match = pattern.exec(text);
      if (match) { start = match.index; end = start + match[0].length; }
    }
  }
  if (start < 0) {
    appendTerms(container, text, terms);
    return;
  }
  appendTerms(container, text.slice(0, start), terms);
  const mark = document.createElement("mark");
  mark.className = "evidence";
  appendTerms(mark, text.slice(start, end), terms);
  container.append(mark);
  appendTerms(container, text.slice(end), terms);
}

function appendTerms(parent, text, terms) {
  if (!terms.length) { parent.append(text); return; }
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${terms.map(t => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})[\\p{L}]*`, "giu");
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    parent.append(text.slice(last, match.index));
    const mark = document.createElement("mark");
    mark.className = "term";
    mark.textContent = match[0];
    parent.append(mark);
    last = match.index + match[0].length;
  }
  parent.append(text.slice(last));
}

// ---- Paper browser -------------------------------------------------------------------------------------------

const browser = document.getElementById("papers");
const browserList = document.getElementById("papers-list");
const browserCount = document.getElementById("papers-count");
const moreButton = document.getElementById("papers-more");
let browserQuery = "";
let browserNext = 0;

async function loadPapers(reset) {
  if (reset) { browserList.replaceChildren(); browserNext = 0; }
  const response = await api(`/api/papers?query=${encodeURIComponent(browserQuery)}&offset=${browserNext}&limit=25`);
  if (!response.ok) { browserCount.textContent = await problemText(response); return; }
  const page = await response.json();
  browserCount.textContent = browserQuery ? `${count(page.total, "paper")} match “${browserQuery}”.` : `${count(page.total, "paper")} in the corpus.`;
  for (const paper of page.papers) {
    const item = document.createElement("li");
    const open = document.createElement("button");
    open.type = "button";
    open.className = "link";
    open.textContent = paper.title;
    open.addEventListener("click", () => openPaper(paper.id, null, queryTerms(browserQuery)));
    const meta = document.createElement("div");
    meta.className = "muted";
    meta.textContent = [paper.date, files(paper)].filter(Boolean).join(" · ");
    item.append(open, meta);
    browserList.append(item);
  }
  browserNext = page.next;
  moreButton.hidden = page.next === null || page.next === undefined;
}

export function setUpPaperBrowser() {
  document.getElementById("browse-papers").addEventListener("click", () => {
    browser.showModal();
    loadPapers(true);
  });
  document.getElementById("papers-form").addEventListener("submit", event => {
    event.preventDefault();
    browserQuery = document.getElementById("papers-query").value.trim();
    loadPapers(true);
  });
  moreButton.addEventListener("click", () => loadPapers(false));
}
