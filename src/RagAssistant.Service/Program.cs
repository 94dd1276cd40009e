using Microsoft.Extensions.Options;
using RagAssistant.Hosting;
using RagAssistant.Service;
using RagAssistant.Service.Lifetime;
using RagAssistant.Service.Options;
using RagAssistant.Service.Security;

if (!ServiceCommandLine.TryParse(args, out var commandLine, out var error))
{
    await Console.Error.WriteLineAsync(error);
    return 2;
}

if (commandLine.ShowHelp)
{
    Console.WriteLine(ServiceCommandLine.Usage);
    return 0;
}

WebApplicationBuilder builder;
try
{
    builder = WebApplication.CreateBuilder([.. commandLine.HostArguments]);
    builder.UseAssistantSettingsFile();
}
catch (InvalidDataException ex) when (ConfigurationFileFailure.Describe(ex) is { } failure)
{
    // A malformed appsettings.json: the file and where it breaks, in the console's words; not an unhandled crash.
    await Console.Error.WriteLineAsync($"The service cannot start: {failure}");
    return 1;
}

if (!builder.Environment.IsDevelopment())
{
    // `dotnet run` starts in the shell's folder (RunWorkingDirectory in the project), which has no wwwroot: the build's
    // static web assets manifest maps it to the project's. Published, there is no manifest and wwwroot is beside the program.
    builder.WebHost.UseStaticWebAssets();
}

// Command-line overrides win over appsettings.json and the environment.
builder.Configuration.AddInMemoryCollection(commandLine.Overrides.ToConfiguration());
if (ListenAddresses.FromConfiguration(builder.Configuration).Count == 0)
{
    // ASP.NET Core would listen on "localhost" (IPv4 and IPv6); say exactly where instead.
    builder.WebHost.UseUrls(ServiceOptions.DefaultUrl);
}

builder.Host.UseSystemd();

// A model named on the command line that is missing, or a bad provider setting, fails validation below.
builder.AddRagAssistant();
builder.AddRagAssistantTelemetry();
builder.Services.AddRagAssistantService(builder.Configuration);

// A setting nothing reads would be ignored without a word: refuse it as bad usage, with the console's check and words.
if (KnownSettings.FindUnknown(commandLine.HostArguments, builder.Configuration, ServiceCommandLine.Settings) is { } unknown)
{
    await Console.Error.WriteLineAsync($"The service cannot start: {unknown}");
    return 2;
}

try
{
    // Disposed (native model owners last) only once the host has stopped, also when it fails to start.
    await using var app = builder.Build();
    app.Services.ValidateStartupOptions();
    app.UseMiddleware<SecurityHeadersMiddleware>();
    app.UseExceptionHandler();
    app.UseStatusCodePages();
    app.UseMiddleware<HostFilterMiddleware>();
    app.UseMiddleware<ApiKeyMiddleware>();
    app.UseMiddleware<CrossSiteRequestMiddleware>();
    app.UseDefaultFiles();
    app.UseStaticFiles();
    app.MapRagAssistantEndpoints();
    await app.RunStoppingOnFailedStartAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    // A misconfiguration (e.g. listening on the network without an API key): say what to fix, exit non-zero.
    await Console.Error.WriteLineAsync($"The service cannot start: {string.Join(" ", ex.Failures)}");
    return 1;
}
catch (InvalidOperationException ex) when (ValueExpectation.DescribeSettingConversion(ex) is { } failure)
{
    // A setting read only once the host runs (not validated at start) whose value does not convert: the same one line.
    await Console.Error.WriteLineAsync($"The service cannot start: {failure}");
    return 1;
}
catch (RagAssistant.Hosting.Conversations.ConversationStoreException ex)
{
    // The conversation store cannot be opened (a newer schema, an unreachable server): its message says what to do.
    await Console.Error.WriteLineAsync($"The service cannot start: {ex.Message}");
    return 1;
}
catch (InvalidOperationException ex) when (StartupFailureLogDemotion.IsMissingCertificate(ex))
{
    // Kestrel found no certificate for an https:// address (a server has no development certificate).
    await Console.Error.WriteLineAsync(
        "The service cannot start: an https:// listen address needs a server certificate and none is configured. " +
        "Set one in Kestrel:Certificates:Default (Path and Password, or Subject and Store), or listen on http:// behind a reverse proxy that terminates TLS (--urls http://127.0.0.1:PORT).");
    return 1;
}
catch (IOException ex) when (StartupFailureLogDemotion.IsPortInUse(ex))
{
    // Kestrel could not listen (another program holds the port): one line and exit 1, not an unhandled crash (134)
    // nor the host's error with its stack trace (StartupFailureLogDemotion logs that at Debug).
    await Console.Error.WriteLineAsync($"The service cannot start: {ex.Message.TrimEnd('.')}. Another program is listening on that address: stop it, or choose another port with --urls http://127.0.0.1:PORT.");
    return 1;
}

/// <summary>The service's entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
