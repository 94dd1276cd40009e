namespace Microsoft.Extensions.Hosting;

/// <summary>Runs the service's host so that a failed start stops the background start-up before the process exits.</summary>
internal static class HostRunExtensions
{
    /// <summary>
    /// Starts <paramref name="host"/> and waits until it shuts down, like <c>RunAsync</c>, but leaves disposing to the
    /// caller. When the start fails (the port is taken), the hosted services that did start (the model load, corpus
    /// indexing and its embedding) are stopped first: cancelled and awaited up to the host's shutdown timeout.
    /// </summary>
    /// <remarks>
    /// <c>RunAsync</c> disposes the host straight after a failed start, freeing the llama.cpp and ONNX Runtime objects
    /// while the background start-up may still be inside them, and the process then exits under it: a native crash
    /// (exit 139) instead of the one-line message and exit 1.
    /// </remarks>
    /// <param name="host">The built host; dispose it after this returns or throws.</param>
    /// <returns>A task that completes when the host has shut down.</returns>
    /// <exception cref="Exception">Whatever the start threw (e.g. Kestrel's <see cref="IOException"/> for a port in use), after the stop.</exception>
    public static async Task RunStoppingOnFailedStartAsync(this IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            try
            {
                await host.StopAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The start's failure is the one to report; stopping what did start is best effort.
            }

            throw;
        }

        await host.WaitForShutdownAsync().ConfigureAwait(false);
    }
}
