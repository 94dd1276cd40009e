using Microsoft.Extensions.AI;
using RagAssistant.Core;

namespace RagAssistant.Hosting.Composition;

/// <summary>
/// Loads the local GGUF chat model now, through its own pipeline rather than the application's chat client (which
/// resolved as none while the file was missing): for a file a download has put in place after start-up.
/// </summary>
/// <param name="client">Creates the chat client, loading the file.</param>
/// <param name="tokenizer">Creates the loaded model's tokenizer.</param>
public sealed class LocalChatModelLoader(Func<IChatClient> client, Func<ITokenizer> tokenizer)
{
    /// <summary>Loads the file.</summary>
    /// <returns>The chat client and its tokenizer.</returns>
    /// <exception cref="Exception">The file failed to load (e.g. a <c>ModelFileException</c>).</exception>
    public (IChatClient Client, ITokenizer Tokenizer) Load() => (client(), tokenizer());
}
