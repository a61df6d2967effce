/// Where a ``KESClient`` connects and how.
public struct KESClientConfiguration: Sendable {
    /// Server URLs such as `https://127.0.0.1:7373`. A bare `host:port` gets `https://`.
    /// With several, failing endpoints are skipped, as the Go SDK does
    /// (docs/compatibility.md, "Error bodies").
    public var endpoints: [String]
    public var credentials: KESCredentials
    /// PEM of the CA certificates that sign the server's certificate; nil uses the system roots.
    public var serverCAPEM: String?
    /// Skips verification of the server's certificate. For tests and dev servers only.
    public var insecure: Bool
    /// The limit for one request, 15 s unless set. Log streams have none.
    public var requestTimeout: Duration
    /// Extra attempts after a 503 or a network error, 2 as in the Go SDK.
    public var retries: Int

    public init(
        endpoints: [String],
        credentials: KESCredentials,
        serverCAPEM: String? = nil,
        insecure: Bool = false,
        requestTimeout: Duration = .seconds(15),
        retries: Int = 2
    ) {
        self.endpoints = endpoints
        self.credentials = credentials
        self.serverCAPEM = serverCAPEM
        self.insecure = insecure
        self.requestTimeout = requestTimeout
        self.retries = retries
    }
}
