// node-llama-cpp side of the model-runtime benchmark: the same GGUF file, threads, batch and context size as the
// C# measurement, wall clock as a JavaScript caller sees it.
// Usage: node bench.mjs '<json: { model, threads, contextSize, batchSize }>'
// Loads the model, warms up, prints {"ready":true}; then for each stdin line {"text","promptTokens","tokens"}
// prints one result line; at end of input prints {"summary":...} and exits. Driven run by run so the C# bench can
// interleave both runtimes' runs and machine load affects them alike.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
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

// Exactly `count` tokens: BOS, then the text's tokens (repeated if the text is short).
function promptOf(text, count) {
    let body = model.tokenize(text, false);
    while (body.length < count - 1) body = body.concat(body);
    return [model.tokens.bos, ...body.slice(0, count - 1)];
}

async function run(text, promptTokens, tokens) {
    const prompt = promptOf(text, promptTokens);
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
        prompt_tokens: prompt.length,
        completion_tokens: generated,
        ttft_ms: first - started,
        prompt_tps: prompt.length / ((first - started) / 1000),
        decode_tps: (generated - 1) / ((ended - first) / 1000),
    };
}

function peakRssMb() {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) / 1024 : null;
}

// Warm-up on a different prompt so that the weights are paged in and nothing is reused.
await run("warm up the model before measuring", 32, 4);
console.log(JSON.stringify({ ready: true }));

for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const request = JSON.parse(line);
    console.log(JSON.stringify(await run(request.text, request.promptTokens, request.tokens)));
}

const version = JSON.parse(readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url), "utf8")).version;
console.log(JSON.stringify({ summary: { node_llama_cpp_version: version, peak_rss_mb: peakRssMb() } }));

await context.dispose();
await model.dispose();
await llama.dispose();
