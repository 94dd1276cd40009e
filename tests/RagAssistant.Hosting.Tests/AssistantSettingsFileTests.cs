using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using RagAssistant.Core;

namespace RagAssistant.Hosting.Tests;

/// <summary>
/// The one rule both front ends find appsettings.json by: that of the relative paths it names (working directory,
/// then the source checkout, then beside the program), whatever the host's content root.
/// </summary>
public sealed class AssistantSettingsFileTests
{
    [Fact]
    public void The_settings_file_is_found_where_the_relative_paths_it_names_are()
    {
        // The test runs in its output folder, which holds a copy of appsettings.json: that is the first candidate root.
        Assert.Equal(LocalPathResolver.RootOf(AssistantSettingsFile.FileName), AssistantSettingsFile.Folder);
        Assert.True(File.Exists(Path.Combine(AssistantSettingsFile.Folder, AssistantSettingsFile.FileName)));
    }

    [Fact]
    public void A_host_reads_that_file_not_the_one_in_its_content_root()
    {
        using var contentRoot = new TempFolder();
        contentRoot.Write(AssistantSettingsFile.FileName, """{ "Retrieval": { "TopK": 77 } }""");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = contentRoot.Path });
        builder.Configuration.AddJsonFile(builder.Environment.ContentRootFileProvider, AssistantSettingsFile.FileName, optional: true, reloadOnChange: false);
        Assert.Equal("77", builder.Configuration["Retrieval:TopK"]);

        builder.UseAssistantSettingsFile();

        var expected = new ConfigurationBuilder().AddJsonFile(Path.Combine(AssistantSettingsFile.Folder, AssistantSettingsFile.FileName)).Build();
        Assert.Equal(expected["Retrieval:TopK"], builder.Configuration["Retrieval:TopK"]);
        Assert.Equal(expected["ChatModel:ModelPath"], builder.Configuration["ChatModel:ModelPath"]);
    }

    [Fact]
    public void The_default_host_and_its_environment_file_are_redirected_too()
    {
        using var contentRoot = new TempFolder();
        contentRoot.Write(AssistantSettingsFile.FileName, """{ "Retrieval": { "TopK": 77 } }""");
        contentRoot.Write("appsettings.Production.json", """{ "Retrieval": { "TopK": 78 } }""");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = contentRoot.Path, EnvironmentName = "Production", Args = [] });

        builder.UseAssistantSettingsFile();

        var expected = new ConfigurationBuilder().AddJsonFile(Path.Combine(AssistantSettingsFile.Folder, AssistantSettingsFile.FileName)).Build();
        Assert.Equal(expected["Retrieval:TopK"], builder.Configuration["Retrieval:TopK"]);
    }
}
