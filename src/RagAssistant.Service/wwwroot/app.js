// Web chat: posts the question to /api/ask and reads the Server-Sent Events stream with fetch (EventSource
// cannot POST). The events speak the same snake_case contract as `ask --json` (AnswerJson): token {text},
// claim {text, cited, verdict, evidence: [{n, sentence, score}], suggested} as each claim's sentence completes,
// sources {search_query, citations, sources: [{n, paper_id, title, score, relevance_score, date}], ...}, done (the whole answer,
// as the JSON answer, with claims and grounding), error {title, detail, status}. No framework and no build step on purpose: the page must work offline from the service itself.
// The conversation is kept by the service: the page sends only the question and the conversation id (from the
// X-Conversation-Id header of the first answer, remembered in localStorage), and a reload shows the stored turns again.
"use strict";

const form = document.getElementById("ask-form");
const questionBox = document.getElementById("question");
const askButton = document.getElementById("ask");
const stopButton = document.getElementById("stop");
const conversation = document.getElementById("conversation");
const statusLine = document.getElementById("status");
const newButton = document.getElementById("new");
const conversationKey = "ragassistant-conversation";
let controller = null;

function headers(extra) {
  const key = sessionStorage.getItem("ragassistant-api-key");
  return Object.assign({ "Content-Type": "application/json" }, key ? { Authorization: `Bearer ${key}` } : {}, extra || {});
}

async function fetchWithKey(url, init) {
  let response = await fetch(url, Object.assign({}, init, { headers: headers(init && init.headers) }));
  if (response.status === 401) {
    const key = prompt("This service needs an API key:");
    if (key) {
      sessionStorage.setItem("ragassistant-api-key", key.trim());
      response = await fetch(url, Object.assign({}, init, { headers: headers(init && init.headers) }));
    }
  }
  return response;
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

async function refreshStatus() {
  try {
    const response = await fetch("/health/ready");
    const report = await response.json();
    const ready = response.ok;
    statusLine.textContent = ready ? "Ready" : (report.checks?.assistant?.description || "Not ready");
    statusLine.className = "status " + (ready ? "ready" : "");
    if (!ready) setTimeout(refreshStatus, 2000);
  } catch {
    statusLine.textContent = "The service is not reachable.";
    statusLine.className = "status error";
  }
}

// Splits "text [1] more [2, 3]" into text nodes and citation links to the numbered sources; a link opens its paper
// with the evidence sentence of that source for the claim (when known) highlighted.
function appendCited(element, text, byNumber, claim) {
  const marker = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
  let last = 0;
  for (const match of text.matchAll(marker)) {
    element.append(text.slice(last, match.index));
    element.append("[");
    match[1].split(",").map(n => parseInt(n.trim(), 10)).forEach((number, i) => {
      if (i > 0) element.append(", ");
      const source = byNumber.get(number);
      if (source) {
        const evidence = claim && claim.evidence.find(e => e.n === number);
        element.append(citationLink(number, source, evidence && evidence.sentence));
      } else {
        element.append(String(number));
      }
    });
    element.append("]");
    last = match.index + match[0].length;
  }
  element.append(text.slice(last));
}

const verdictMarks = { supported: "✓", partly: "~", unsupported: "✗", uncited: "?" };
const verdictWords = { supported: "supported", partly: "partly supported", unsupported: "not supported by its source", uncited: "cites no source" };

// The answer with each checked claim wrapped and marked by its verdict; an unsupported, partly supported or uncited
// claim shows on hover or focus the sources that do support it, with their sentences.
function renderAnswer(element, text, sources, claims) {
  element.replaceChildren();
  const byNumber = new Map(sources.map(s => [s.n, s]));
  let last = 0;
  for (const claim of claims) {
    const at = text.indexOf(claim.text, last);
    if (at < 0) continue;
    appendCited(element, text.slice(last, at), byNumber, null);
    const span = document.createElement("span");
    span.className = `claim claim-${claim.verdict}`;
    span.dataset.verdict = claim.verdict;
    appendCited(span, claim.text, byNumber, claim);
    const mark = document.createElement("span");
    mark.className = "verdict";
    mark.textContent = ` ${verdictMarks[claim.verdict] || "?"}`;
    mark.setAttribute("aria-label", verdictWords[claim.verdict] || claim.verdict);
    span.append(mark);
    if (claim.verdict !== "supported") {
      span.tabIndex = 0;
      const tip = document.createElement("span");
      tip.className = "suggestion";
      tip.setAttribute("role", "tooltip");
      const lines = [verdictWords[claim.verdict] + "."];
      if (claim.suggested.length) {
        for (const n of claim.suggested) {
          const evidence = claim.evidence.find(e => e.n === n);
          const source = byNumber.get(n);
          lines.push(`Supported by [${n}]${source ? " " + source.title : ""}${evidence ? `: “${evidence.sentence}”` : ""}`);
        }
      } else {
        lines.push("No offered source supports it.");
      }
      tip.textContent = lines.join(" ");
      span.append(tip);
    }
    element.append(span);
    last = at + claim.text.length;
  }
  appendCited(element, text.slice(last), byNumber, null);
}

function citationLink(number, source, evidence) {
  const link = document.createElement("a");
  link.href = `#paper-${encodeURIComponent(source.paper_id)}`;
  link.className = "citation";
  link.textContent = String(number);
  link.title = source.title;
  link.dataset.paperId = source.paper_id;
  if (evidence) link.dataset.evidence = evidence;
  link.addEventListener("click", event => { event.preventDefault(); showPaper(source.paper_id, evidence); });
  return link;
}

async function showPaper(id, evidence) {
  const dialog = document.getElementById("paper");
  const response = await fetchWithKey(`/api/papers/${encodeURIComponent(id)}`, { method: "GET" });
  if (!response.ok) {
    document.getElementById("paper-title").textContent = "Paper not found";
    document.getElementById("paper-meta").textContent = "";
    document.getElementById("paper-abstract").textContent = await problemText(response);
  } else {
    const paper = await response.json();
    document.getElementById("paper-title").textContent = paper.title;
    document.getElementById("paper-meta").textContent = [paper.date, paper.source_file].filter(Boolean).join(" · ");
    showAbstract(document.getElementById("paper-abstract"), paper.abstract, evidence);
  }
  dialog.showModal();
  const highlighted = dialog.querySelector("mark.evidence");
  if (highlighted) highlighted.scrollIntoView({ block: "center" });
}

// The abstract, with the evidence sentence (verbatim from the source) highlighted when it is in it.
function showAbstract(element, text, evidence) {
  element.replaceChildren();
  const at = evidence ? text.indexOf(evidence) : -1;
  if (at < 0) {
    element.textContent = text;
    return;
  }
  const mark = document.createElement("mark");
  mark.className = "evidence";
  mark.textContent = evidence;
  element.append(text.slice(0, at), mark, text.slice(at + evidence.length));
}

function groundingLine(grounding) {
  if (!grounding || !grounding.claims) return null;
  const others = [["partly", grounding.partly], ["unsupported", grounding.unsupported], ["uncited", grounding.uncited]]
    .filter(([, count]) => count > 0).map(([name, count]) => `${count} ${name}`);
  return `${grounding.supported} of ${grounding.claims} claim${grounding.claims === 1 ? "" : "s"} supported by their sources`
    + (others.length ? ` (${others.join(", ")})` : "") + ". “Supported” means the cited source holds a sentence close to the claim; it is not a proof.";
}

function newTurn(question) {
  const turn = document.createElement("article");
  turn.className = "turn";
  const q = document.createElement("p");
  q.className = "question";
  q.textContent = question;
  const answer = document.createElement("p");
  answer.className = "answer streaming";
  turn.append(q, answer);
  conversation.append(turn);
  return { turn, answer };
}

function addLine(turn, className, text) {
  const p = document.createElement("p");
  p.className = className;
  p.textContent = text;
  turn.append(p);
}

function addSources(turn, sources) {
  const list = document.createElement("ol");
  list.className = "sources";
  for (const source of sources) {
    const item = document.createElement("li");
    item.value = source.n;
    const link = document.createElement("a");
    link.href = `#paper-${encodeURIComponent(source.paper_id)}`;
    link.textContent = source.title;
    link.dataset.paperId = source.paper_id;
    link.addEventListener("click", event => { event.preventDefault(); showPaper(source.paper_id); });
    item.append(link);
    if (source.date) item.append(` (${source.date})`);
    list.append(item);
  }
  turn.append(list);
}

// Yields {event, data} for each Server-Sent Event of the response body.
async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
    }
  }
}

async function ask(question) {
  const { turn, answer } = newTurn(question);
  controller = new AbortController();
  askButton.disabled = true;
  stopButton.disabled = false;
  let text = "";
  let sources = [];
  const claims = [];
  try {
    const response = await fetchWithKey("/api/ask", {
      method: "POST",
      headers: { Accept: "text/event-stream" },
      body: JSON.stringify(Object.assign({ question }, localStorage.getItem(conversationKey) ? { conversation_id: localStorage.getItem(conversationKey) } : {})),
      signal: controller.signal,
    });
    if (!response.ok) {
      // A conversation deleted elsewhere: the next question starts a new one.
      if (response.status === 404) localStorage.removeItem(conversationKey);
      addLine(turn, "notice", await problemText(response));
      return;
    }
    const conversationId = response.headers.get("X-Conversation-Id");
    if (conversationId) localStorage.setItem(conversationKey, conversationId);
    for await (const { event, data } of readEvents(response)) {
      if (event === "token") {
        text += data.text;
        if (claims.length) renderAnswer(answer, text, sources, claims);
        else answer.textContent = text;
      } else if (event === "claim") {
        // Marked while the answer is still being written.
        claims.push(data);
        renderAnswer(answer, text, sources, claims);
      } else if (event === "sources") {
        sources = data.sources;
        renderAnswer(answer, text, sources, claims);
        if (data.sources.length) addSources(turn, data.sources);
        // A refusal's own text already says the papers do not answer: mark it, do not say it twice.
        if (data.refused) answer.classList.add("refused");
      } else if (event === "done") {
        renderAnswer(answer, data.answer, data.sources, data.claims || []);
        const grounding = groundingLine(data.grounding);
        if (grounding) addLine(turn, "grounding", grounding);
        const t = data.timings_ms;
        const tokens = data.usage.completion_tokens;
        addLine(turn, "timings", `${tokens} token${tokens === 1 ? "" : "s"} · first token ${Math.round(t.first_token)} ms · total ${Math.round(t.total)} ms`);
        if (data.finish_reason === "length") addLine(turn, "notice", "The answer was cut at the answer-token limit.");
        if (data.retrieval_notice) addLine(turn, "notice", data.retrieval_notice);
      } else if (event === "error") {
        addLine(turn, "notice", data.detail);
      }
    }
  } catch (error) {
    addLine(turn, "notice", error.name === "AbortError" ? "Stopped." : `The answer stopped: ${error.message}`);
  } finally {
    answer.classList.remove("streaming");
    controller = null;
    askButton.disabled = false;
    stopButton.disabled = true;
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
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    form.requestSubmit();
  }
});

stopButton.addEventListener("click", () => controller && controller.abort());

newButton.addEventListener("click", () => {
  if (controller) return;
  localStorage.removeItem(conversationKey);
  conversation.replaceChildren();
  questionBox.focus();
});

// Shows the stored turns of the remembered conversation (after a reload or a restart of the service).
async function restoreConversation() {
  const id = localStorage.getItem(conversationKey);
  if (!id) return;
  const response = await fetchWithKey(`/api/conversations/${encodeURIComponent(id)}`);
  if (response.status === 404) {
    localStorage.removeItem(conversationKey);
    return;
  }
  if (!response.ok) return;
  const stored = await response.json();
  for (const storedTurn of stored.turns) {
    const { turn, answer } = newTurn(storedTurn.question);
    answer.classList.remove("streaming");
    if (storedTurn.answer) {
      renderCited(answer, storedTurn.answer.answer, storedTurn.answer.sources);
      if (storedTurn.answer.refused) answer.classList.add("refused");
      if (storedTurn.answer.sources.length) addSources(turn, storedTurn.answer.sources);
    } else {
      answer.textContent = storedTurn.partial_answer || "";
      addLine(turn, "notice", storedTurn.status === "failed" ? `The answer failed: ${storedTurn.error}` : "The answer was stopped.");
    }
  }
}

refreshStatus();
restoreConversation();
