using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Api;

/// <summary>The handlers' typed results describe their responses in the endpoint metadata (what OpenAPI reads).</summary>
public sealed class EndpointMetadataTests
{
    [Theory]
    [InlineData("/api/ask")]
    [InlineData("/v1/chat/completions")]
    public async Task The_answer_endpoints_declare_their_event_stream(string route)
    {
        await using var factory = new ServiceFactory();
        using var client = factory.CreateClient();

        // Untyped IResult handlers declare nothing; the Results<ServerSentEventsResult<string>, ...> union declares the stream.
        // Beside it, the JSON answer the same route gives for Accept: application/json (for the OpenAPI document).
        var produces = Produces(factory, route);
        var stream = Assert.Single(produces, p => p.ContentTypes.Contains("text/event-stream"));
        Assert.Single(produces, p => p.ContentTypes.Contains("application/json"));
        Assert.Equal(200, stream.StatusCode);
        Assert.Equal(typeof(SseItem<string>), stream.Type);
        Assert.Equal(["text/event-stream"], stream.ContentTypes);
    }

    private static List<IProducesResponseTypeMetadata> Produces(ServiceFactory factory, string route)
    {
        var endpoint = factory.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText == route);
        return [.. endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>()];
    }
}
