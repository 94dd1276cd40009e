using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RagAssistant.Service.Api;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Documents;

/// <summary>
/// <c>/api/documents</c>: <c>GET</c> lists the uploaded documents and whether the index has read them, <c>POST</c>
/// (multipart/form-data, fields named <c>files</c>; <c>replace=true</c> to replace uploaded documents of the same
/// names rather than save beside them) adds documents to the corpus, <c>DELETE /api/documents/{name}</c>
/// removes one. The corpus watcher re-indexes after each change. Besides the API key and the cross-site rules of every
/// /api route, an upload must carry the <see cref="UploadHeader"/> header: a form on a foreign page can post
/// multipart/form-data but cannot add a header, so it cannot write into the corpus even where a browser sends no Origin.
/// </summary>
internal sealed class DocumentsHandler(UploadedDocuments documents, IOptions<ServiceOptions> options)
{
    /// <summary>The header (any value) that <c>POST /api/documents</c> requires; the web chat sends it.</summary>
    public const string UploadHeader = "X-RagAssistant-Upload";

    public JsonHttpResult<DocumentList> List() => TypedResults.Json(documents.List(), ServiceJsonContext.Default.DocumentList);

    public async Task<Results<JsonHttpResult<DocumentUpload>, ProblemHttpResult>> UploadAsync(HttpContext context)
    {
        if (!context.Request.Headers.ContainsKey(UploadHeader))
        {
            return TypedResults.Problem(
                $"Send the header '{UploadHeader}: 1' with the upload (e.g. curl -H '{UploadHeader}: 1' -F files=@notes.md http://HOST:PORT/api/documents); an HTML form on another site cannot add it.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Upload header missing.");
        }

        if (!context.Request.HasFormContentType)
        {
            return ApiProblems.BadRequest("Send the documents as multipart/form-data, each in a field named \"files\".", "files");
        }

        // This endpoint alone takes more than Service:MaxRequestBodyBytes: every document at its limit, plus the form's framing.
        var limits = options.Value;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = (limits.MaxDocumentBytes + 16 * 1024) * limits.MaxDocumentsPerUpload;
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or InvalidDataException)
        {
            return TypedResults.Problem(
                $"The upload is too large: at most {limits.MaxDocumentsPerUpload} documents of {limits.MaxDocumentBytes / (1024 * 1024.0):0.#} MB each (Service:MaxDocumentsPerUpload, Service:MaxDocumentBytes).",
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Upload too large.");
        }

        // replace=true as a form field (curl -F replace=true) or in the query: a file replaces the uploaded document of its name.
        var flag = form.TryGetValue("replace", out var field) ? field.ToString() : context.Request.Query["replace"].ToString();
        if (flag.Length > 0 && !bool.TryParse(flag, out _) && flag is not ("0" or "1"))
        {
            return ApiProblems.BadRequest($"replace is true or false, not '{flag}'.", "replace");
        }

        var replace = flag is "1" || (bool.TryParse(flag, out var parsed) && parsed);
        var (saved, refusal) = await documents.SaveAsync(form.Files, replace, context.RequestAborted);
        return saved is not null
            ? TypedResults.Json(saved, ServiceJsonContext.Default.DocumentUpload, statusCode: StatusCodes.Status201Created)
            : TypedResults.Problem(refusal!.Detail, statusCode: refusal.Status, title: "Document refused.");
    }

    public Results<NoContent, ProblemHttpResult> Delete(string name) => documents.Delete(name)
        ? TypedResults.NoContent()
        : ApiProblems.NotFound($"No uploaded document is named '{name}'. GET /api/documents lists them.");
}
