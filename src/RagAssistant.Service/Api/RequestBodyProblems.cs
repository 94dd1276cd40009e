using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using RagAssistant.Hosting;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Api;

/// <summary>An example of the JSON body an endpoint accepts, named in the problem that answers a bad body.</summary>
/// <param name="Json">A complete, valid body.</param>
internal sealed record RequestBodyExample(string Json);

/// <summary>
/// Turns every way a JSON request body can be wrong into a problem that says what was wrong and shows an example.
/// Minimal-API binding throws <see cref="BadHttpRequestException"/> for a body that is missing, null or not JSON (400,
/// see <see cref="TryHandleAsync"/>), and answers a bare 415 for another content type and 413 for a body over
/// <see cref="ServiceOptions.MaxRequestBodyBytes"/> (Kestrel's limit), which <see cref="Describe"/> explains. A body that
/// binds but breaks its type's validation attributes (<c>AddValidation</c>) gets their messages as the detail (<see cref="Describe"/>).
/// </summary>
internal sealed partial class RequestBodyProblems : IExceptionHandler
{
    /// <summary>What is wrong with text that holds an escaped lone surrogate, after the field's name.</summary>
    internal const string LoneSurrogate = "is not valid Unicode text: it holds a lone surrogate (an escape such as \\ud800 without its pair). Send the text as UTF-8 or with complete surrogate pairs.";

    /// <summary>
    /// Answers a binding failure of a request body (of an endpoint with a <see cref="RequestBodyExample"/>, or any
    /// other bad request with its own message); other exceptions are left to the default handler.
    /// </summary>
    /// <param name="httpContext">The failed request.</param>
    /// <param name="exception">What went wrong.</param>
    /// <param name="cancellationToken">Cancels writing the problem.</param>
    /// <returns>True when <paramref name="exception"/> was a bad request body and the problem has been written.</returns>
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var request = httpContext.Request;
        var example = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<RequestBodyExample>()?.Json;
        var problem = badRequest.StatusCode switch
        {
            // 413 and 415 (when binding throws them) get their detail from Describe, as when it only sets the status.
            not StatusCodes.Status400BadRequest => Results.Problem(statusCode: badRequest.StatusCode),
            _ when ParameterBinding().Match(badRequest.Message) is { Success: true } binding => ApiProblems.BadRequest(NotConverted(binding), binding.Groups["name"].Value),
            _ when example is null => ApiProblems.BadRequest(badRequest.Message, field: null),
            _ when badRequest.InnerException is JsonException json => BadRequest(Explain(httpContext, json, example)),

            // Binding reports a missing body and the JSON literal null alike: whether there was a body tells them apart.
            _ when request.ContentLength is 0 || httpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false =>
                ApiProblems.BadRequest($"The request body is empty. Send a JSON object such as {example}.", field: null),
            _ => ApiProblems.BadRequest($"The request body must be a JSON object such as {example}, not null.", field: null),
        };
        await problem.ExecuteAsync(httpContext);
        return true;
    }

    /// <summary>
    /// Says what to do about a body binding refused with a bare status, which the status-code pages turn into a
    /// problem without a detail: 413 (Kestrel's size limit) names the limit, 415 the content type to send, 405 the
    /// methods the path accepts (routing's <c>Allow</c> header).
    /// </summary>
    /// <param name="context">The problem about to be written.</param>
    public static void Describe(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Detail is not null)
        {
            return;
        }

        if (problem is HttpValidationProblemDetails { Errors.Count: > 0 } validation)
        {
            // The attributes' messages (ErrorMessage) as one detail, like every other 400 of the API; the errors stay
            // beside it, keyed by the field's JSON path and worded as the detail words them.
            var errors = validation.Errors
                .Select(error => (Field: WirePath(context.HttpContext, error.Key), error.Value))
                .GroupBy(error => error.Field, StringComparer.Ordinal)
                .ToDictionary(group => group.Key, group => group.SelectMany(error => error.Value.Select(message => Named(group.Key, message))).ToArray(), StringComparer.Ordinal);
            validation.Errors.Clear();
            foreach (var (field, messages) in errors)
            {
                validation.Errors[field] = messages;
            }

            problem.Title = ApiProblems.InvalidTitle;
            problem.Detail = string.Join(" ", errors.Values.SelectMany(messages => messages));
            return;
        }

        if (problem.Status == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = context.HttpContext.RequestServices.GetRequiredService<IOptions<ServiceOptions>>().Value.MaxRequestBodyBytes;
            problem.Title = "The request body is too large.";
            problem.Detail = $"The request body is larger than {limit} bytes (Service:MaxRequestBodyBytes). Send a shorter question or history.";
        }
        else if (problem.Status == StatusCodes.Status405MethodNotAllowed)
        {
            // Routing sets Allow to the path's methods; the detail says them too, as every other problem says what to do.
            var request = context.HttpContext.Request;
            var allowed = context.HttpContext.Response.Headers.Allow.ToString();
            problem.Title = "Method not allowed.";
            problem.Detail = allowed.Length > 0
                ? $"{request.Method} is not allowed on {request.Path}; it accepts {allowed}."
                : $"{request.Method} is not allowed on {request.Path}.";
        }
        else if (problem.Status == StatusCodes.Status415UnsupportedMediaType)
        {
            problem.Title = "Unsupported media type.";
            problem.Detail = $"The request body must be JSON (Content-Type: application/json), not '{context.HttpContext.Request.ContentType ?? "(none)"}'.";
        }
    }

    // Validation keys the errors by .NET member (History[0].Role); the client wrote the JSON names (history[0].role).
    // A key of no member (an object's own check) is the body as a whole.
    private static string WirePath(HttpContext httpContext, string key)
    {
        if (key.Length == 0)
        {
            return ApiProblems.BodyField;
        }

        var naming = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions.PropertyNamingPolicy;
        return naming is null ? key : string.Join('.', key.Split('.').Select(step => step.IndexOf('[', StringComparison.Ordinal) is var index and > 0
            ? naming.ConvertName(step[..index]) + step[index..]
            : step.Length > 0 && !step.StartsWith('[') ? naming.ConvertName(step) : step));
    }

    // An attribute's message names its field as declared ("role must be ..."); the path says which one (history[0].role).
    private static string Named(string field, string message)
    {
        var name = field[(field.LastIndexOfAny(['.', ']']) + 1)..];
        return name.Length > 0 && field != name && message.StartsWith(name + " ", StringComparison.OrdinalIgnoreCase)
            ? field + message[name.Length..]
            : message;
    }

    /// <summary>
    /// Says which JSON field of the body is wrong and what it must be, in the API's own terms: System.Text.Json's
    /// messages name the .NET types the body binds to ("could not be converted to RagAssistant.Service.Api.SearchRequest"),
    /// which mean nothing to a client. The field is <see cref="JsonException.Path"/>, walked through the request type's
    /// JSON contract (the names and types binding uses); malformed JSON is told by the reader's exception inside.
    /// Returns the detail and the JSON path of the field at fault (null for the body as a whole).
    /// </summary>
    private static (string Detail, string? Field) Explain(HttpContext httpContext, JsonException json, string example)
    {
        // Malformed JSON: the reader's message is .NET's ("Expected the literal 'null'. Path: $ | LineNumber: 0"); the
        // position (0-based in the exception) is what a client can use.
        if (json.InnerException is JsonException)
        {
            var where = json.LineNumber is { } line && json.BytePositionInLine is { } column ? $" (line {line + 1}, column {column + 1})" : string.Empty;
            return ($"The request body is not valid JSON{where}. Send a JSON object such as {example}.", null);
        }

        var requestType = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var options = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        if (requestType is null || json.Path is null || !options.TryGetTypeInfo(requestType, out var root))
        {
            return (NotValidAt(json, example), null);
        }

        var (container, field, unresolved) = Walk(root, json.Path, options);

        // A property sent twice: the serializer refuses it (AllowDuplicateProperties is off) and names it; the path ends
        // at the duplicate, or at the object that holds it.
        if (DuplicateProperty().Match(json.Message) is { Success: true } duplicate)
        {
            // The name as the contract spells it: "Question" after "question" (names match in any case) is the same field.
            var property = duplicate.Groups["name"].Value;
            var atDuplicate = unresolved is null && field.EndsWith(property, StringComparison.OrdinalIgnoreCase)
                && (field.Length == property.Length || field[^(property.Length + 1)] == '.');
            var parent = atDuplicate ? field[..^property.Length].TrimEnd('.') : field;
            var duplicated = parent.Length == 0 ? property : $"{parent}.{property}";
            return ($"The field '{duplicated}' appears more than once in the request body: send each field once. Example: {example}.", duplicated);
        }

        // A string with an escaped lone surrogate ("\ud800" without its low half) is not text: .NET cannot read it as a
        // string, which is not the same as a value of another JSON type.
        if (json.InnerException is InvalidOperationException { Message: var reason } && reason.Contains("surrogate", StringComparison.OrdinalIgnoreCase) && field.Length > 0)
        {
            return ($"The field '{field}' {LoneSurrogate} Example: {example}.", field);
        }
        if (unresolved is { } name && container.Kind == JsonTypeInfoKind.Object && container.UnmappedMemberHandling == JsonUnmappedMemberHandling.Disallow)
        {
            // The path ends at a name the contract does not have, which the contract refuses: an unknown field.
            var where = container == root || field.Length == 0 ? string.Empty : $" in {field}";
            var known = container.Properties.Select(p => p.Name).ToList();
            var suggestion = SpellingSuggestion.Closest(name, known) is { } closest ? $" Did you mean '{closest}'?" : string.Empty;
            return ($"Unknown field '{name}'{where}: the fields are {string.Join(", ", known)}.{suggestion} Example: {example}.", field.Length == 0 ? name : $"{field}.{name}");
        }

        if (unresolved is not null)
        {
            return (NotValidAt(json, example), null);
        }

        return field.Length == 0
            ? ($"The request body must be a JSON object such as {example}.", null)
            : ($"The field '{field}' must be {Expected(container, options)}. Example: {example}.", field);
    }

    // A query or route value that does not convert to the handler's parameter ("Failed to bind parameter
    // "Nullable<long> limit" from "abc"."), in the API's terms. Whole-number parameters are long, so a number too
    // large for them is past any range the handler would name.
    private static string NotConverted(Match binding)
    {
        var (type, name, value) = (binding.Groups["type"].Value, binding.Groups["name"].Value, binding.Groups["value"].Value);
        var wholeNumber = WholeNumberType().IsMatch(type);
        if (wholeNumber && WholeNumberText().IsMatch(value))
        {
            return $"{name} is out of range, got {value}.";
        }

        var expected = wholeNumber ? "a whole number" : NumberType().IsMatch(type) ? "a number" : type.Contains("bool", StringComparison.OrdinalIgnoreCase) ? "true or false" : "a valid value";
        return $"{name} must be {expected}, got '{value}'.";
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult BadRequest((string Detail, string? Field) fault) => ApiProblems.BadRequest(fault.Detail, fault.Field);

    private static string NotValidAt(JsonException json, string example) =>
        $"The request body is not valid JSON: at {json.Path ?? "$"}. Expected an object such as {example}.";

    /// <summary>
    /// The contract at the end of <paramref name="path"/> ($.history[0].role) and the path as the client wrote it;
    /// or, where a step names nothing in the contract, the contract reached, the path before it, and that step's name.
    /// </summary>
    private static (JsonTypeInfo Contract, string Field, string? Unresolved) Walk(JsonTypeInfo root, string path, JsonSerializerOptions options)
    {
        var contract = root;
        var field = new System.Text.StringBuilder();
        foreach (Match step in PathStep().Matches(path))
        {
            Type? next;
            string shown;
            string name;
            if (step.Groups["index"].Success)
            {
                next = contract.ElementType;
                name = step.Groups["index"].Value;
                shown = $"[{name}]";
            }
            else
            {
                name = step.Groups["name"].Success ? step.Groups["name"].Value : step.Groups["quoted"].Value;
                next = contract.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.PropertyType;
                shown = field.Length == 0 ? name : "." + name;
            }

            if (next is null || !options.TryGetTypeInfo(next, out var nextContract))
            {
                return (contract, field.ToString(), name);
            }

            field.Append(shown);
            contract = nextContract;
        }

        return (contract, field.ToString(), null);
    }

    /// <summary>What a value of <paramref name="contract"/>'s type looks like in JSON: "a whole number", "one of "bm25", "dense", "hybrid"".</summary>
    private static string Expected(JsonTypeInfo contract, JsonSerializerOptions options)
    {
        var type = Nullable.GetUnderlyingType(contract.Type) ?? contract.Type;
        if (type.IsEnum)
        {
            // Written through the API's own enum converter, so the names are the ones it accepts.
            return "one of " + string.Join(", ", Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.Serialize(v, type, options)));
        }

        return Type.GetTypeCode(type) switch
        {
            // Numbers and booleans are read only from their own JSON types: say so, since "5" is the usual mistake.
            TypeCode.String => "a string",
            TypeCode.Boolean => "true or false (a JSON boolean, without quotes)",
            TypeCode.Byte or TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 => "a whole number (a JSON number such as 5, without quotes)",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number (a JSON number, without quotes)",
            _ => contract.Kind switch
            {
                JsonTypeInfoKind.Enumerable => "an array",
                JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
                _ => "a valid value",
            },
        };
    }

    [GeneratedRegex(@"^Failed to bind parameter ""(?<type>.+) (?<name>[^ ""]+)"" from ""(?<value>.*)""\.$", RegexOptions.Singleline)]
    private static partial Regex ParameterBinding();

    [GeneratedRegex(@"\b(?:u?int|u?long|u?short|s?byte|Int\d+|UInt\d+)\b", RegexOptions.IgnoreCase)]
    private static partial Regex WholeNumberType();

    [GeneratedRegex(@"\b(?:double|float|decimal|Single|Double|Decimal)\b", RegexOptions.IgnoreCase)]
    private static partial Regex NumberType();

    // System.Text.Json's message for a property sent twice (its resources are English only).
    [GeneratedRegex(@"^Duplicate property '(?<name>[^']*)'")]
    private static partial Regex DuplicateProperty();

    [GeneratedRegex(@"^\s*[-+]?\d+\s*$")]
    private static partial Regex WholeNumberText();

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>[^']*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathStep();
}
