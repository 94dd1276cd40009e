using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Retrieval;

/// <summary>
/// <see cref="UnknownNames"/>: the words a question writes as names that the corpus never uses. Casing is read only
/// where it can say something, and digits, stop words and the first word of a sentence are never names.
/// </summary>
public sealed class UnknownNamesTests : IDisposable
{
    private readonly Bm25Index _index = new(
        [
            new Bm25Document("Speculative Decoding with Draft Models", "We speed up LLM inference with a draft model; experiments on GSM8K and the USA capital Washington."),
            new Bm25Document("Quark: Controllable Text Generation", "Quark unlearns toxicity with reinforcement learning from PPO rewards, in English and Chinese."),
            new Bm25Document("LoRA Fine-Tuning", "Low-rank adaptation for transformers; results on GLUE and SuperGLUE."),
        ],
        new Bm25Options());

    public void Dispose() => _index.Dispose();

    [Theory]
    [InlineData("What execution accuracy do LLMs achieve on benchmarks such as Spider?", "Spider")]
    [InlineData("What is the capital of France?", "France")]
    [InlineData("Does the Muon optimizer beat AdamW at scale?", "Muon|AdamW")]
    [InlineData("How factually precise are biographies scored with FActScore?", "FActScore")]
    [InlineData("Can LLMs translate COBOL programs into Java, and COBOL into C?", "COBOL|Java")]
    [InlineData("Can LLMs detect Alzheimer's disease from speech?", "Alzheimer")]
    [InlineData("What do DP-SGD fine-tuned models guarantee?", "DP-SGD")]
    [InlineData("FActScore: how precise are biographies?", "FActScore")]
    [InlineData("How tall is Mount Everest?", "Mount Everest")]
    [InlineData("Who won the 2022 World Cup in Qatar?", "World Cup|Qatar")] // a name of two words, whole
    [InlineData("Tell me about Paris", "Paris")]
    public void A_name_the_corpus_never_uses_is_found_as_written(string question, string expected)
    {
        Assert.Equal(expected.Split('|'), UnknownNames.Find(_index, question));
    }

    [Theory]
    [InlineData("Which papers study speculative decoding?")] // no names at all
    [InlineData("How does Quark unlearn toxicity, and how does LoRA compare on GLUE?")] // names the corpus uses
    [InlineData("What does quark do with PPO in Chinese?")] // a known name in any case
    [InlineData("Spider benchmarks: what accuracy do LLMs reach?")] // the first word of the question
    [InlineData("Which papers use a draft model. Spider results?")] // the first word of a sentence
    [InlineData("How do GPT4 and Qwen2 compare at 8B?")] // versions of names the corpus never versions, and sizes
    [InlineData("Is IT or US work about speculative decoding?")] // stop and question words, however written
    [InlineData("WHAT IS THE CAPITAL OF FRANCE?")] // all capitals: casing says nothing
    [InlineData("What Is The Capital Of France?")] // title case: capitals say nothing
    [InlineData("I want the capital of the USA")] // one letter; a name the corpus has
    [InlineData("")]
    public void A_question_that_writes_no_unknown_name_has_none(string question)
    {
        Assert.Empty(UnknownNames.Find(_index, question));
    }

    [Theory]
    [InlineData("How do I bake bread?", "bake|bread")]
    [InlineData("Does speculative decodng speed up inference?", "decodng")] // a typo
    [InlineData("Does the Muon optimizer beat AdamW, and does muon scale?", "Muon|optimizer|beat|AdamW|scale")] // once, as first written
    [InlineData("Speculative decoding with a draft model on GSM8K?", "")]
    [InlineData("What do GPT4 and the USA do?", "")] // digits, a name the corpus has, stop words
    public void The_words_no_paper_uses_are_listed_in_any_casing(string question, string expected)
    {
        Assert.Equal(expected.Split('|', StringSplitOptions.RemoveEmptyEntries), UnknownNames.UnusedWords(_index, question));
    }

    [Fact]
    public void The_names_a_question_writes_that_the_corpus_has_are_its_known_terms()
    {
        Assert.Equal(["quark", "ppo"], UnknownNames.KnownTerms(_index, "Does Quark beat PPO and Spider at detoxifying?"));
        Assert.Equal(["ppo"], UnknownNames.KnownTerms(_index, "does quark beat ppo?")); // the papers write PPO as a name, Quark as a word
        Assert.True(_index.IsWrittenAsName("ppo"));
        Assert.False(_index.IsWrittenAsName("quark"));
        Assert.False(_index.IsWrittenAsName("toxic"));
    }

    [Fact]
    public void A_title_cased_question_still_has_its_acronyms_and_camel_cased_names_checked()
    {
        Assert.Equal(["FActScore"], UnknownNames.Find(_index, "How Precise Are Biographies Scored With FActScore?"));
    }

    [Theory]
    [InlineData("How does GPT-5 do on math?", "GPT-5")]
    [InlineData("Is GPT 5 better than GPT4?", "GPT 5")]
    [InlineData("how does gpt-5 do on math?", "gpt-5")] // an acronym the papers write in capitals, typed in lower case
    [InlineData("what are the top 5 models?", "")] // lower case, and no acronym of the papers
    [InlineData("What did Llama 4 and Qwen-3 change?", "Llama 4")] // Qwen has no version in the corpus: left to its words
    [InlineData("Does Gemini-2 beat GPT-4?", "Gemini-2")] // a name no paper uses, named whole with its version
    [InlineData("Which papers use GPT-2, GPT 4 or Llama3?", "")] // versions the papers have, however written
    [InlineData("Does INT8 or FP16 hurt accuracy in 2023?", "")] // types and years, not names the papers version
    public void A_version_no_paper_has_of_a_name_the_papers_version_is_an_unknown_name(string question, string expected)
    {
        using var index = new Bm25Index(
            [
                new Bm25Document("GPT-2 stories", "GPT-2 small writes short stories; GPT-4 grades them."),
                new Bm25Document("Long context", "Llama 3 reads long inputs; Qwen reads them too, in 8-bit."),
            ],
            new Bm25Options());

        Assert.Equal(expected.Split('|', StringSplitOptions.RemoveEmptyEntries), UnknownNames.Find(index, question));
    }

    [Theory]
    [InlineData("How does Qwen3 perform?", "qwen3")]
    [InlineData("how good is gpt-4?", "gpt4")]
    [InlineData("Is Llama 3 fast?", "llama3")]
    public void A_version_the_papers_have_is_a_known_name_whatever_its_casing(string question, string term)
    {
        using var index = new Bm25Index(
            [
                new Bm25Document("GPT-2 stories", "GPT-2 small writes short stories; GPT-4 grades them."),
                new Bm25Document("Batching", "Llama 3 and Qwen3-8B decode in batches."),
            ],
            new Bm25Options());

        Assert.Contains(term, UnknownNames.KnownTerms(index, question));
    }
}
