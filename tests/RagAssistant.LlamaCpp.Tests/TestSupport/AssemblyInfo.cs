// llama.cpp's worker threads spin while they wait: two contexts decoding at once on a small machine
// slow each other down many times over. Run this assembly's tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
