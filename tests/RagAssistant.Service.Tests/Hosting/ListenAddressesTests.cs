using RagAssistant.Service.Options;

namespace RagAssistant.Service.Tests.Hosting;

public sealed class ListenAddressesTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("https://127.0.0.5:443/", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://[::]:5080", false)]
    [InlineData("http://lab-server.example:5080", false)]
    [InlineData("http://10.0.0.4:5080", false)]
    public void Only_loopback_addresses_count_as_loopback(string url, bool loopback) =>
        Assert.Equal(loopback, ListenAddresses.IsLoopback(url));

    [Theory]
    [InlineData("http://127.0.0.1:5080", null)]
    [InlineData("http://localhost", null)]
    [InlineData("https://[::1]:443/", null)]
    [InlineData("http://*:0", null)]
    [InlineData("http://localhost:abc", "its port 'abc' is not a number from 0 to 65535")]
    [InlineData("http://127.0.0.1:99999", "its port '99999' is not a number from 0 to 65535")]
    [InlineData("http://127.0.0.1:-1", "its port '-1' is not a number from 0 to 65535")]
    [InlineData("notaurl", "it needs a scheme, http:// or https://")]
    [InlineData("ftp://127.0.0.1:21", "it needs a scheme, http:// or https://")]
    [InlineData("http://:5080", "it names no host")]
    public void An_address_kestrel_would_misread_is_named_with_its_problem(string url, string? problem) =>
        Assert.Equal(problem, ListenAddresses.Problem(url));
}
