using System.Diagnostics;

namespace RagAssistant.LlamaCpp.Tests.Runtime;

/// <summary>
/// Building and running needs only the .NET SDK: with <c>node</c> and <c>npm</c> replaced by failing stubs, a program
/// referencing RagAssistant.LlamaCpp builds, gets LLamaSharp's natives copied beside it, and generates text.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class NodeFreeBuildTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly string Dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private readonly DirectoryInfo _folder;

    public NodeFreeBuildTests()
    {
        // Under the repository so the central package versions and build settings apply; obj/ is git-ignored.
        var root = TestPaths.RepositoryRoot;
        _folder = Directory.CreateDirectory(Path.Combine(root, "tests", "RagAssistant.LlamaCpp.Tests", "obj", "node-free", Guid.NewGuid().ToString("N")));
    }

    [Fact]
    public async Task Builds_and_generates_with_node_and_npm_failing()
    {
        var ct = TestContext.Current.CancellationToken;
        var stories = TestPaths.Stories;
        var root = TestPaths.RepositoryRoot;
        var stubs = Directory.CreateDirectory(Path.Combine(_folder.FullName, "stubs"));
        var calls = Path.Combine(_folder.FullName, "stub-calls.log");
        foreach (var tool in new[] { "node", "npm", "npx" })
        {
            var stub = Path.Combine(stubs.FullName, tool);
            await File.WriteAllTextAsync(stub, $"#!/bin/sh\necho {tool} \"$@\" >> '{calls}'\necho '{tool} is not installed' >&2\nexit 127\n", ct);
            File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var app = Directory.CreateDirectory(Path.Combine(_folder.FullName, "app"));
        var llamaProject = Path.Combine(root, "src", "RagAssistant.LlamaCpp", "RagAssistant.LlamaCpp.csproj");
        await File.WriteAllTextAsync(Path.Combine(app.FullName, "NodeFree.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{llamaProject}" />
              </ItemGroup>
            </Project>
            """, ct);
        await File.WriteAllTextAsync(Path.Combine(app.FullName, "Program.cs"), """
            using RagAssistant.LlamaCpp.Runtime;

            using var model = LlamaModel.Load(args[0]);
            using var context = model.CreateContext(new LlamaContextOptions { ContextSize = 256, Threads = 1 });
            var prompt = model.Tokenize("Once upon a time", addSpecial: true, parseSpecial: false);
            LlamaGenerator.Generate(context, prompt, new LlamaSamplingOptions { Temperature = 0, RepeatPenalty = 1 }, 12, null, Console.Write);
            Console.WriteLine();
            Console.WriteLine(RagAssistant.LlamaCpp.Native.LlamaNativeLibrary.Info?.LibraryFolder);
            """, ct);

        var output = Path.Combine(app.FullName, "bin", Configuration, "net10.0");

        // The referenced project is already built by this test project: build only the new program.
        var build = await RunAsync(stubs.FullName, Dotnet, ["build", Path.Combine(app.FullName, "NodeFree.csproj"), "-c", Configuration, "--no-dependencies", "-v", "q", "-nologo"], ct);
        Assert.True(build.ExitCode == 0, $"the build failed without node/npm:\n{build.Output}");
        var natives = Directory.GetFiles(Path.Combine(output, "runtimes", "linux-x64", "native"), "libllama.so", SearchOption.AllDirectories);
        Assert.NotEmpty(natives);
        Assert.False(Directory.Exists(Path.Combine(output, "native")), "the old npm-restored native/ folder must be gone");

        var run = await RunAsync(stubs.FullName, Dotnet, [Path.Combine(output, "NodeFree.dll"), stories], ct);
        Assert.True(run.ExitCode == 0, $"generation failed:\n{run.Output}");
        Assert.StartsWith(", there was a little girl", run.Output, StringComparison.Ordinal);
        Assert.True(run.Output.Contains(Path.Combine(output, "runtimes", "linux-x64", "native"), StringComparison.Ordinal), run.Output);
        Assert.False(File.Exists(calls), $"node/npm were called: {(File.Exists(calls) ? await File.ReadAllTextAsync(calls, ct) : string.Empty)}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string stubs, string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = stubs, // not the test's bin folder, which holds natives of its own
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PATH"] = stubs + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");

        // The test host's own MSBuild settings must not leak into the nested build.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
