using Microsoft.Extensions.Configuration;

namespace RagAssistant.Hosting.Tests;

/// <summary>
/// The check both front ends run on their <c>--Section:Key=value</c> settings: the configuration binder, refusing
/// unknown configuration, decides whether an options class has the key.
/// </summary>
public sealed class KnownSettingsTests
{
    private static string? FindUnknown(params string[] settings) =>
        KnownSettings.FindUnknown(settings, new ConfigurationBuilder().AddCommandLine(settings).Build());

    [Theory]
    [InlineData("--Retrieval:TopK=3")]
    [InlineData("--RETRIEVAL:topk=3")]
    [InlineData("--Retrieval:Bm25:K1=1.1")]
    [InlineData("--ChatModel:Threads=2")] // llama.cpp's chat model
    [InlineData("--ChatModel:Endpoint=http://127.0.0.1:8080/v1")] // the OpenAI-compatible one, the same section
    [InlineData("--EmbeddingModel:Bundled:MaxBatchTexts=8")]
    [InlineData("--Ask:MaxTopK=10")]
    [InlineData("--Logging:LogLevel:Default=Debug")]
    [InlineData("--ChatModel:Provider=OpenAICompatible")]
    [InlineData("--ConnectionStrings:Conversations=Data Source=x.db")]
    [InlineData("--EmbeddingModel")] // a parent section on its own, as the test host passes it
    public void A_setting_an_options_class_or_the_composition_reads_is_known(string setting) =>
        Assert.Null(FindUnknown(setting, "1"));

    [Theory]
    [InlineData("--Retrieval:TopKK=3", "unknown setting Retrieval:TopKK on the command line: no part of the assistant reads it. Did you mean Retrieval:TopK?")]
    [InlineData("--Retrieval:Bm25:K3=1", "unknown setting Retrieval:Bm25:K3 on the command line: no part of the assistant reads it. Did you mean Retrieval:Bm25:K1?")]
    [InlineData("--EmbeddingModel:Bundled:Threadz=1", "unknown setting EmbeddingModel:Bundled:Threadz on the command line: no part of the assistant reads it. Did you mean EmbeddingModel:Bundled:Threads?")]
    [InlineData("--Retreival:TopK=3", "unknown setting Retreival:TopK on the command line: no part of the assistant reads it. Did you mean Retrieval:TopK?")]
    [InlineData("--Bogus:Key=1", "unknown setting Bogus:Key on the command line: no part of the assistant reads it.")]
    public void A_setting_nothing_reads_is_named_with_the_closest_known_one(string setting, string message) =>
        Assert.Equal(message, FindUnknown(setting));

    [Fact]
    public void A_front_end_adds_its_own_sections_and_host_settings()
    {
        string[] settings = ["--Web:Port=1", "--urls=http://127.0.0.1:1"];
        var frontEnd = new FrontEndSettings([new SettingsSection("Web", typeof(WebOptions))], ["urls"]);

        Assert.Null(KnownSettings.FindUnknown(settings, new ConfigurationBuilder().AddCommandLine(settings).Build(), frontEnd));
        Assert.StartsWith("unknown setting Web:Prot", KnownSettings.FindUnknown(["--Web:Prot=1"], new ConfigurationBuilder().Build(), frontEnd), StringComparison.Ordinal);
    }

    [Fact]
    public void A_setting_of_a_section_only_another_front_end_reads_is_refused_whatever_its_value()
    {
        // appsettings.json has the service's section; the console (no front-end settings) reads none of it.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Service:WatchCorpus", "true")]).Build();
        var service = new FrontEndSettings([new SettingsSection("Service", typeof(ServiceLikeOptions))], []);
        var console = new FrontEndSettings([], []) { Program = "the console", OtherPrograms = new Dictionary<string, string> { ["Service"] = "the service" } };

        Assert.Equal(
            "this program does not read Service: settings, another program that shares the settings file does: leave --Service:WatchCorpus out here.",
            KnownSettings.FindUnknown(["--Service:WatchCorpus=maybe"], configuration));
        Assert.Equal(
            "the console does not read Service: settings, the service does: give --Service:WatchCorpus to the service, or leave it out here.",
            KnownSettings.FindUnknown(["--Service:WatchCorpus=maybe"], configuration, console));
        Assert.Null(KnownSettings.FindUnknown(["--Service:WatchCorpus=maybe"], configuration, service));
    }

    [Theory]
    [InlineData("""{ "Retreival": { "TopK": 3 } }""", "Retreival:TopK", " Did you mean Retrieval:TopK?")]
    [InlineData("""{ "Retrieval": { "TopKK": 3 } }""", "Retrieval:TopKK", " Did you mean Retrieval:TopK?")]
    [InlineData("""{ "ChatModel": { "Thread": 2 } }""", "ChatModel:Thread", " Did you mean ChatModel:Threads?")]
    [InlineData("""{ "EmbeddingModel": { "Bundled": { "Threadz": 2 } } }""", "EmbeddingModel:Bundled:Threadz", " Did you mean EmbeddingModel:Bundled:Threads?")]
    [InlineData("""{ "Corpus": { "Folder": "data/papers", "Recursive": true } }""", "Corpus:Recursive", "")]
    public void A_name_nothing_reads_in_the_settings_file_is_refused_naming_the_file(string json, string key, string suggestion)
    {
        using var folder = new TempFolder();
        var file = folder.Write("appsettings.json", json);

        var unknown = KnownSettings.FindUnknown([], new ConfigurationBuilder().AddJsonFile(file).Build());

        Assert.Equal($"unknown setting {key} in {file}: no part of the assistant reads it.{suggestion}", unknown);
    }

    [Fact]
    public void The_repositorys_settings_file_names_only_settings_the_console_reads_or_leaves_to_the_service()
    {
        // Service and Urls are the service's: the console leaves a section it does not read, unless it is a near miss of one.
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(TestPaths.RepositoryRoot, AssistantSettingsFile.FileName)).Build();

        Assert.Null(KnownSettings.FindUnknown([], configuration));
    }

    [Fact]
    public void A_near_miss_of_a_front_ends_own_section_in_the_settings_file_is_refused_by_that_front_end()
    {
        using var folder = new TempFolder();
        var file = folder.Write("appsettings.json", """{ "Servce": { "WatchCorpus": false }, "Service": { "WatchCorpus": true } }""");
        var configuration = new ConfigurationBuilder().AddJsonFile(file).Build();
        var service = new FrontEndSettings([new SettingsSection("Service", typeof(ServiceLikeOptions))], []);

        Assert.Equal($"unknown setting Servce:WatchCorpus in {file}: no part of the assistant reads it. Did you mean Service:WatchCorpus?", KnownSettings.FindUnknown([], configuration, service));
    }

    [Theory]
    [InlineData("Retrieval__TopKK", "Retrieval:TopKK", " Did you mean Retrieval:TopK?")]
    [InlineData("RETREIVAL__TOPK", "RETREIVAL:TOPK", " Did you mean Retrieval:TopK?")]
    [InlineData("ChatModel__Threadz", "ChatModel:Threadz", " Did you mean ChatModel:Threads?")]
    public void A_name_nothing_reads_in_the_environment_is_refused_naming_the_variable(string variable, string key, string suggestion)
    {
        // A prefix of its own, so no other test (nor the program's defaults) sees the variable.
        var prefix = $"RAGTEST{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + variable, "3");
        try
        {
            var unknown = KnownSettings.FindUnknown([], new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build());

            Assert.Equal($"unknown setting {key} in the environment ({prefix}{variable}): no part of the assistant reads it.{suggestion}", unknown);
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + variable, null);
        }
    }

    [Fact]
    public void Environment_variables_of_other_programs_are_never_checked()
    {
        var prefix = $"RAGTEST{Guid.NewGuid():N}_";
        string[] others = ["PATH", "HOME", "GIT__CONFIG", "Service__WatchCorpus", "Retrieval__TopK", "Logging__LogLevel__Default"];
        foreach (var name in others)
        {
            Environment.SetEnvironmentVariable(prefix + name, "1");
        }

        try
        {
            Assert.Null(KnownSettings.FindUnknown([], new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build()));
        }
        finally
        {
            foreach (var name in others)
            {
                Environment.SetEnvironmentVariable(prefix + name, null);
            }
        }
    }

    private sealed class ServiceLikeOptions
    {
        public bool WatchCorpus { get; set; }
    }

    private sealed class WebOptions
    {
        public int Port { get; set; }
    }
}
