// The sidebar: stored conversations (GET/PATCH/DELETE /api/conversations), the user's own documents (POST, GET and
// DELETE /api/documents) and the drawer it becomes on narrow screens.
import { api, json, problemText, count } from "./api.js";

const currentKey = "ragassistant-conversation";

/** The id of the conversation the page shows, kept across reloads. */
export const current = {
  get id() { return localStorage.getItem(currentKey); },
  set id(value) { if (value) localStorage.setItem(currentKey, value); else localStorage.removeItem(currentKey); },
};

// ---- Conversations -------------------------------------------------------------------------------------------

const list = document.getElementById("conversation-list");
const note = document.getElementById("conversations-note");
const search = document.getElementById("conversation-search");
let onOpen = () => {};
let onNew = () => {};
let searchTimer = 0;

/** Fills the list (filtered by the search box); says so when the service keeps no conversations. */
export async function refreshConversations() {
  const query = search.value.trim();
  let response;
  try {
    response = await api(`/api/conversations?query=${encodeURIComponent(query)}&limit=50`);
  } catch {
    return;
  }
  if (response.status === 404 || response.status === 405) {
    note.textContent = "This service does not keep conversations.";
    search.disabled = true;
    return;
  }
  if (!response.ok) { note.textContent = await problemText(response); return; }
  const page = await response.json();
  list.replaceChildren(...page.conversations.map(item));
  // A note about what was just done (a deletion) stays until the next action; otherwise the note describes the list.
  if (page.conversations.length && note.dataset.action === "yes") return;
  note.dataset.action = "";
  note.textContent = page.conversations.length ? "" : query ? `No conversation matches “${query}”.` : "No conversations yet.";
}

function item(conversation) {
  const li = document.createElement("li");
  li.dataset.id = conversation.id;
  if (conversation.id === current.id) li.className = "current";
  const open = document.createElement("button");
  open.type = "button";
  open.className = "open";
  // One line with an ellipsis; the whole title as the tooltip. Both as text, never markup.
  const title = document.createElement("span");
  title.textContent = conversation.title || "Untitled";
  open.title = title.textContent;
  open.append(title);
  if (conversation.id === current.id) open.setAttribute("aria-current", "true");
  const when = document.createElement("small");
  when.textContent = `${new Date(conversation.updated).toLocaleString()} · ${count(conversation.turn_count ?? conversation.turnCount ?? 0, "question")}`;
  open.append(when);
  open.addEventListener("click", () => onOpen(conversation.id));
  const rename = button("Rename", `Rename “${conversation.title}”`, () => startRename(li, conversation));
  const remove = button("Delete", `Delete “${conversation.title}”`, () => confirmDelete(remove, conversation));
  const actions = document.createElement("span");
  actions.className = "conversation-actions";
  actions.append(rename, remove);
  li.append(open, actions);
  return li;
}

function button(text, label, handler) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", handler);
  return b;
}

// An inline text box replaces the title: Enter saves (PATCH), Escape cancels.
function startRename(li, conversation) {
  const input = document.createElement("input");
  input.type = "text";
  input.value = conversation.title || "";
  input.setAttribute("aria-label", "New title");
  input.maxLength = 200;
  const save = async () => {
    const title = input.value.trim();
    if (!title || title === conversation.title) { refreshConversations(); return; }
    const response = await api(`/api/conversations/${encodeURIComponent(conversation.id)}`, json("PATCH", { title }));
    if (!response.ok) note.textContent = await problemText(response);
    await refreshConversations();
    list.querySelector(`li[data-id="${CSS.escape(conversation.id)}"] .open`)?.focus();
  };
  input.addEventListener("keydown", event => {
    if (event.key === "Enter") { event.preventDefault(); save(); }
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); refreshConversations(); }
  });
  li.replaceChildren(input, button("Save", "Save the title", save));
  input.focus();
  input.select();
}

// Two steps, no modal: the button asks "Really delete?" and deletes on the second press.
async function confirmDelete(remove, conversation) {
  if (remove.dataset.confirm !== "yes") {
    remove.dataset.confirm = "yes";
    remove.textContent = "Really delete?";
    return;
  }
  const response = await api(`/api/conversations/${encodeURIComponent(conversation.id)}`, { method: "DELETE" });
  if (!response.ok && response.status !== 404) { note.textContent = await problemText(response); return; }
  if (conversation.id === current.id) onNew();
  note.textContent = `Deleted “${conversation.title}”.`;
  note.dataset.action = "yes";
  await refreshConversations();
  setTimeout(() => { note.dataset.action = ""; }, 5000);
}

/** Loads a stored conversation: { id, title, turns: [{ question, answer, ... }] }, or null when it is gone. */
export async function loadConversation(id) {
  const response = await api(`/api/conversations/${encodeURIComponent(id)}`);
  if (!response.ok) return null;
  return response.json();
}

export function setUpConversations(handlers) {
  onOpen = handlers.open;
  onNew = handlers.new;
  document.getElementById("new-conversation").addEventListener("click", () => onNew());
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(refreshConversations, 250);
  });
}

// ---- Your documents ------------------------------------------------------------------------------------------

const documentList = document.getElementById("document-list");
const uploadStatus = document.getElementById("upload-status");
let limits = { max_bytes: 10 * 1024 * 1024, max_files: 10, extensions: [".md", ".txt", ".pdf", ".jsonl"] };
let pending = new Set();
let pollTimer = 0;
let onIndexed = () => {};

function say(text, isError) {
  uploadStatus.textContent = text;
  uploadStatus.classList.toggle("upload-error", !!isError);
}

/** Lists the uploaded documents; while some are waiting to be indexed, polls every second. */
export async function refreshDocuments() {
  let response;
  try {
    response = await api("/api/documents");
  } catch {
    return;
  }
  if (!response.ok) return;
  const documents = await response.json();
  limits = documents.limits;
  documentList.replaceChildren(...documents.documents.map(documentItem));
  if (documents.unavailable && !documents.documents.length) say(documents.unavailable, true);
  const waiting = documents.documents.filter(d => pending.has(d.name) && !d.indexed);
  const done = documents.documents.filter(d => pending.has(d.name) && d.indexed);
  for (const d of done) pending.delete(d.name);
  // An offer to replace (offerReplace) stays until it is answered or another upload starts.
  const offering = uploadStatus.querySelector("button") !== null;
  if (done.length) {
    if (!offering) say(`Indexed ${done.map(d => d.name).join(", ")}: ${done.length === 1 ? "it is" : "they are"} searchable now.`);
    onIndexed(done);
  }
  clearTimeout(pollTimer);
  if (waiting.length) {
    if (!done.length && !offering) say(`Indexing ${waiting.map(d => d.name).join(", ")}…`);
    pollTimer = setTimeout(refreshDocuments, 1000);
  }
}

function documentItem(d) {
  const li = document.createElement("li");
  const text = document.createElement("span");
  const size = d.size_bytes < 1024 * 1024 ? `${Math.max(1, Math.round(d.size_bytes / 1024))} KB` : `${(d.size_bytes / 1048576).toFixed(1)} MB`;
  text.textContent = `${d.name} (${size}${d.indexed ? "" : ", indexing…"})`;
  const remove = button("Remove", `Remove ${d.name}`, async () => {
    const response = await api(`/api/documents/${encodeURIComponent(d.name)}`, { method: "DELETE" });
    say(response.ok ? `Removed ${d.name}; the index is updated in a moment.` : await problemText(response), !response.ok);
    refreshDocuments();
  });
  li.append(text, remove);
  return li;
}

/** Checks the files against the limits, then uploads them; the server checks again. */
export async function upload(files) {
  files = [...files];
  if (!files.length) return;
  if (files.length > limits.max_files) { say(`Choose at most ${limits.max_files} files at once (you chose ${files.length}).`, true); return; }
  for (const file of files) {
    const extension = file.name.includes(".") ? file.name.slice(file.name.lastIndexOf(".")).toLowerCase() : "";
    if (!limits.extensions.includes(extension)) { say(`“${file.name}” is not a .md, .txt, .pdf or .jsonl file.`, true); return; }
    if (file.size > limits.max_bytes) { say(`“${file.name}” is ${(file.size / 1048576).toFixed(1)} MB; the limit is ${(limits.max_bytes / 1048576).toFixed(1)} MB.`, true); return; }
    if (file.size === 0) { say(`“${file.name}” is empty.`, true); return; }
  }
  say(`Uploading ${count(files.length, "file")}…`);
  const response = await send(files, false);
  if (!response.ok) { say(await problemText(response), true); return; }
  const result = await response.json();
  for (const name of result.saved) pending.add(name);
  if (result.renamed.length) offerReplace(result.renamed, files);
  else say(`Saved ${result.saved.join(", ")}; indexing…`);
  refreshDocuments();
}

function send(files, replace) {
  const body = new FormData();
  for (const file of files) body.append("files", file, file.name);
  if (replace) body.append("replace", "true");
  return api("/api/documents", { method: "POST", body, headers: { "X-RagAssistant-Upload": "1" } });
}

// A file whose name an uploaded document already has was saved beside it under another name: said, with a button
// that puts it in place of that document instead (the copy is removed first, or the server would refuse the file as
// a copy of it).
function offerReplace(renamed, files) {
  const text = renamed.map(r => `“${r.existing}” is already uploaded, so “${r.sent}” was saved beside it as “${r.saved_as}”: both are sources now.`).join(" ");
  const existing = renamed.map(r => r.existing).join(", ");
  const replace = button(`Replace ${existing} instead`, `Replace ${existing} instead`, async () => {
    replace.disabled = true;
    for (const r of renamed) {
      pending.delete(r.saved_as);
      const removed = await api(`/api/documents/${encodeURIComponent(r.saved_as)}`, { method: "DELETE" });
      if (!removed.ok && removed.status !== 404) { say(await problemText(removed), true); return; }
    }
    const again = renamed.map(r => files.find(f => f.name.split(/[\\/]/).pop().trim() === r.sent)).filter(f => f);
    const response = await send(again, true);
    say(response.ok ? `Replaced ${existing}; the index is updated in a moment.` : await problemText(response), !response.ok);
    refreshDocuments();
  });
  uploadStatus.classList.remove("upload-error");
  uploadStatus.replaceChildren(`${text} `, replace);
}

export function setUpDocuments(handlers) {
  onIndexed = handlers.indexed;
  const input = document.getElementById("document-files");
  input.addEventListener("change", () => { upload(input.files); input.value = ""; });
  const zone = document.getElementById("drop-zone");
  zone.addEventListener("dragover", event => { event.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", event => {
    event.preventDefault();
    zone.classList.remove("dragging");
    upload(event.dataTransfer.files);
  });
  // Files dropped anywhere else on the page go to the same place instead of being opened by the browser.
  document.addEventListener("dragover", event => event.preventDefault());
  document.addEventListener("drop", event => { if (!zone.contains(event.target)) { event.preventDefault(); upload(event.dataTransfer.files); } });
}

// ---- Drawer (narrow screens) ---------------------------------------------------------------------------------

const sidebar = document.getElementById("sidebar");
const scrim = document.getElementById("scrim");
const opener = document.getElementById("open-sidebar");

export function openDrawer() {
  sidebar.classList.add("open");
  scrim.hidden = false;
  opener.setAttribute("aria-expanded", "true");
  document.getElementById("new-conversation").focus();
}

export function closeDrawer() {
  if (!sidebar.classList.contains("open")) return false;
  sidebar.classList.remove("open");
  scrim.hidden = true;
  opener.setAttribute("aria-expanded", "false");
  opener.focus();
  return true;
}

export function setUpDrawer() {
  opener.addEventListener("click", openDrawer);
  document.getElementById("close-sidebar").addEventListener("click", closeDrawer);
  scrim.addEventListener("click", closeDrawer);
}
