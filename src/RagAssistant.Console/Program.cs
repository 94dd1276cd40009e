using RagAssistant.Console.Cli;

// The composition root is RagAssistant.Hosting's; the console only adds its front end.
var application = new CliApplication(Terminal.FromSystemConsole(), new AssistantHostFactory(AssistantComposition.Compose));
try
{
    return await application.RunAsync(args);
}
finally
{
    Terminal.LeaveKeypadTransmitMode();
}
