using RagAssistant.Hosting.Models;

namespace RagAssistant.Service.Api;

/// <summary>
/// The service's fetch instruction in start-up notices: the command line that saves the model where the service
/// loads it from (a service user may have no source checkout), and for the chat model the service's own endpoint.
/// </summary>
internal sealed class ServiceDownloadHint : IModelDownloadHint
{
    private readonly DownloadCommandHint _command = new();

    public string Describe(string role, string path, ModelEntry? model)
    {
        var command = _command.Describe(role, path, model);
        return role == "chat" && model is not null ? $"{command} (or POST {StatusHandler.ChatModelDownloadPath}, which downloads and loads it without a restart)" : command;
    }

    // The service downloads only the chat model, in the background (ChatModelDownload); asking again resumes it.
    public string DescribeRetry(ModelEntry model) => $"the next POST {StatusHandler.ChatModelDownloadPath}";
}
