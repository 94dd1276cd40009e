using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.Service.Options;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>
/// Gives the in-memory test server the body limit Kestrel enforces in production (Service:MaxRequestBodyBytes):
/// reading past it throws <see cref="BadHttpRequestException"/> with 413, as Kestrel's request body does. The real
/// Kestrel path is covered by <c>ServiceProcessTests</c>.
/// </summary>
internal sealed class KestrelBodyLimit : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            var limit = context.RequestServices.GetRequiredService<IOptions<ServiceOptions>>().Value.MaxRequestBodyBytes;
            context.Request.Body = new LimitedStream(context.Request.Body, limit, context.Request.ContentLength);
            return nextMiddleware(context);
        });
        next(app);
    };

    private sealed class LimitedStream(Stream inner, long limit, long? contentLength) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            if (contentLength > limit || _read > limit)
            {
                throw new BadHttpRequestException($"Request body too large. The max request body size is {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }

            return read;
        }
    }
}
