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

        // The endpoint first, in a sentence of its own: the notice ends "...; then restart", which is true of the
        // manual download and the model server, not of the endpoint.
        return role == "chat" && model is not null
            ? $"Send POST {StatusHandler.ChatModelDownloadPath} with the JSON body {{}} to download and load it without a restart. Or {char.ToLowerInvariant(command[0])}{command[1..]}"
            : command;
    }

    // The service downloads only the chat model, in the background (ChatModelDownload); asking again resumes it.
    public string DescribeRetry(ModelEntry model) => $"the next POST {StatusHandler.ChatModelDownloadPath}";
}
