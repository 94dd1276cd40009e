// The Markdown an answer uses (paragraphs, headings, lists, block quotes, fenced and inline code, emphasis), rendered
// straight into DOM nodes: text only ever becomes text nodes, never HTML, so a model (or a document) writing <script>
// or an event handler shows it as text. Links and images are left as written: an answer cites its sources with [n].
// Rendering again from the start on every streamed piece keeps half-written Markdown (an unclosed ** or ```) harmless:
// it shows as typed until it is closed.

const listItem = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const fence = /^\s*(```|~~~)/;

/**
 * Renders `text` into `container` (its children are replaced).
 * @param {HTMLElement} container
 * @param {string} text Markdown source.
 * @param {(parent: Node, text: string) => void} inline Appends plain inline text to `parent`; the caller turns
 *   citation markers into chips there. Code spans and blocks never go through it.
 */
export function renderMarkdown(container, text, inline) {
  container.replaceChildren();
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }

    if (fence.test(line)) {
      const marker = line.trim().slice(0, 3);
      const code = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith(marker); i++) code.push(lines[i]);
      i++;
      const pre = document.createElement("pre");
      const element = document.createElement("code");
      element.textContent = code.join("\n");
      pre.append(element);
      container.append(pre);
      continue;
    }

    const h = heading.exec(line);
    if (h) {
      // Answer headings sit below the page's own (h1) and the turn's question (h2).
      const element = document.createElement(`h${Math.min(6, h[1].length + 2)}`);
      appendInline(element, h[2], inline);
      container.append(element);
      i++;
      continue;
    }

    if (listItem.test(line)) {
      i = appendList(container, lines, i, inline);
      continue;
    }

    if (/^\s*>/.test(line)) {
      const quoted = [];
      for (; i < lines.length && /^\s*>/.test(lines[i]); i++) quoted.push(lines[i].replace(/^\s*>\s?/, ""));
      const quote = document.createElement("blockquote");
      renderMarkdown(quote, quoted.join("\n"), inline);
      container.append(quote);
      continue;
    }

    const paragraph = [];
    for (; i < lines.length && lines[i].trim() && !fence.test(lines[i]) && !heading.test(lines[i]) && !listItem.test(lines[i]) && !/^\s*>/.test(lines[i]); i++) {
      paragraph.push(lines[i].trim());
    }
    const p = document.createElement("p");
    appendInline(p, paragraph.join("\n"), inline);
    container.append(p);
  }
}

// One list (ordered or not, by its first item), nested lists by indentation; returns the index of the next line.
function appendList(container, lines, start, inline) {
  const first = listItem.exec(lines[start]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const list = document.createElement(ordered ? "ol" : "ul");
  if (ordered && parseInt(first[2], 10) !== 1) list.start = parseInt(first[2], 10);
  let i = start;
  let item = null;
  while (i < lines.length) {
    const line = lines[i];
    const match = listItem.exec(line);
    if (match && match[1].length === indent && /\d/.test(match[2]) === ordered) {
      item = document.createElement("li");
      appendInline(item, match[3], inline);
      list.append(item);
      i++;
    } else if (match && match[1].length > indent && item) {
      i = appendList(item, lines, i, inline);
    } else if (line.trim() && !match && item && /^\s+/.test(line)) {
      // A continuation line of the item.
      item.append("\n");
      appendInline(item, line.trim(), inline);
      i++;
    } else {
      break;
    }
  }
  container.append(list);
  return i;
}

// `code`, **strong** / __strong__, *em* / _em_ (not inside words), the rest through `inline`.
const inlinePattern = /(`+)([\s\S]*?[^`])\1(?!`)|\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__|\*(?=[^\s*])([\s\S]*?[^\s*])\*|(?<![\p{L}\p{N}])_(?=\S)([\s\S]*?\S)_(?![\p{L}\p{N}])/u;

function appendInline(parent, text, inline) {
  let rest = text;
  while (rest) {
    const match = inlinePattern.exec(rest);
    if (!match) { appendText(parent, rest, inline); return; }
    if (match.index > 0) appendText(parent, rest.slice(0, match.index), inline);
    if (match[1]) {
      const code = document.createElement("code");
      code.textContent = match[2].trim() || match[2];
      parent.append(code);
    } else {
      const strong = match[3] ?? match[4];
      const element = document.createElement(strong !== undefined ? "strong" : "em");
      appendInline(element, strong ?? match[5] ?? match[6], inline);
      parent.append(element);
    }
    rest = rest.slice(match.index + match[0].length);
  }
}

function appendText(parent, text, inline) {
  // A single line break inside a paragraph is a break, as people write answers.
  text.split("\n").forEach((line, i) => {
    if (i > 0) parent.append(document.createElement("br"));
    if (line) inline(parent, line);
  });
}
