// Measures node-llama-cpp on the same GGUF file, thread count and prompt size as the C# benchmark,
// wall clock as a JavaScript caller sees it. Usage: node bench.mjs '<json options>'; prints one JSON object.
// Options: { model, threads, promptTokens, tokens, runs, text, contextSize, batchSize }.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const options = JSON.parse(process.argv[2]);

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: options.model, gpuLayers: 0 });
const context = await model.createContext({
    contextSize: options.contextSize,
    batchSize: options.batchSize,
    threads: options.threads,
    sequences: 1,
});
const sequence = context.getSequence();

// Exactly promptTokens tokens: BOS, then the text's tokens (repeated if the text is short).
function promptOf(text, count) {
    let body = model.tokenize(text, false);
    while (body.length < count - 1) body = body.concat(body);
    return [model.tokens.bos, ...body.slice(0, count - 1)];
}

async function run(prompt, tokens) {
    await sequence.clearHistory();
    const started = performance.now();
    let first = 0;
    let generated = 0;
    for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
        void token;
        generated++;
        if (generated === 1) first = performance.now();
        if (generated >= tokens) break;
    }
    const ended = performance.now();
    // The generator yields a token before decoding it, and the last one is never decoded: tokens - 1 decodes
    // fall between the first and the last token, as in the C# measurement.
    return {
        ttft_ms: first - started,
        prompt_tps: prompt.length / ((first - started) / 1000),
        decode_tps: (generated - 1) / ((ended - first) / 1000),
        completion_tokens: generated,
    };
}

function peakRssMb() {
    const status = readFileSync("/proc/self/status", "utf8");
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) / 1024 : null;
}

// Warm-up on a different prompt so that the weights are paged in and nothing is reused.
await run(promptOf("warm up " + options.text, 32), 4);

const runs = [];
for (let i = 0; i < options.runs; i++) {
    runs.push(await run(promptOf(options.text, options.promptTokens), options.tokens));
}

const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

console.log(JSON.stringify({
    node_llama_cpp_version: JSON.parse(readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url), "utf8")).version,
    prompt_tokens: options.promptTokens,
    completion_tokens: runs[0]?.completion_tokens ?? 0,
    ttft_ms: median(runs.map((r) => r.ttft_ms)),
    prompt_tps: median(runs.map((r) => r.prompt_tps)),
    decode_tps: median(runs.map((r) => r.decode_tps)),
    peak_rss_mb: peakRssMb(),
    runs,
}));

await context.dispose();
await model.dispose();
await llama.dispose();
