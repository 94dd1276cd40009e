// The service's HTTP API as the page uses it: the API key (asked for once, kept for the tab), problem details as one
// line of text, and Server-Sent Events read from a fetch response (EventSource cannot POST).

const keyName = "ragassistant-api-key";

function withKey(init) {
  const key = sessionStorage.getItem(keyName);
  const headers = new Headers(init && init.headers);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  return Object.assign({}, init, { headers });
}

/** fetch() with the API key; on 401 asks for the key once and retries. */
export async function api(url, init) {
  let response = await fetch(url, withKey(init));
  if (response.status === 401) {
    const key = prompt("This service needs an API key:");
    if (key) {
      sessionStorage.setItem(keyName, key.trim());
      response = await fetch(url, withKey(init));
    }
  }
  return response;
}

/** A JSON request body. */
export function json(method, body, extra) {
  return Object.assign({ method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }, extra || {});
}

/** The problem detail of a failed response, as one line. */
export async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

/** Yields {event, data} for each Server-Sent Event of the response body, data parsed as JSON. */
export async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
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

/** A property read in either naming convention (snake_case or camelCase), so the page works across versions. */
export function field(object, snakeName) {
  if (!object) return undefined;
  if (snakeName in object) return object[snakeName];
  const camel = snakeName.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  return object[camel];
}

/** An enum value normalised: "not_configured", "notConfigured" and "NotConfigured" are all "notconfigured". */
export function state(value) {
  return String(value ?? "").replace(/[_-]/g, "").toLowerCase();
}

/** Milliseconds in words: "350 ms", "1.2 s", "1 min 5 s". */
export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** Seconds left in words, as the console words them: "20 s" (whole seconds, rounded up), "1 min 15 s". */
export function timeLeft(seconds) {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
}

/** ", about 20 s left" for an estimate in seconds; nothing when the status has none (null or missing). */
export function aboutLeft(seconds) {
  return typeof seconds === "number" ? `, about ${timeLeft(seconds)} left` : "";
}

/** "1 paper", "2 papers". */
export function count(n, noun) {
  return `${n.toLocaleString("en")} ${noun}${n === 1 ? "" : "s"}`;
}
