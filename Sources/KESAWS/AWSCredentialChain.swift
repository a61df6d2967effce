import AsyncHTTPClient
import Foundation

/// Finds the credentials for the AWS key store the way the AWS SDKs' default chain does, the
/// first source that yields a key pair winning:
///
/// 1. `credentials` in the config file;
/// 2. the environment: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (or `AWS_ACCESS_KEY`/
///    `AWS_SECRET_KEY`) and `AWS_SESSION_TOKEN`;
/// 3. the shared credentials and config files, profile `AWS_PROFILE`;
/// 4. web identity: `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, through STS;
/// 5. the container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_*_URI`);
/// 6. the EC2 instance metadata service.
///
/// The source found is kept for good; temporary credentials from it are renewed by
/// `RefreshingCredentials`. A source that is set up but fails is noted and the next one tried,
/// as the SDKs' chain does.
public struct AWSCredentialChain: Sendable {
    public var environment: [String: String]
    /// The key store's region, which picks the regional STS endpoint.
    public var region: String
    /// How long before they expire temporary credentials are renewed.
    public var refreshMargin: Duration = .seconds(300)
    /// How long after a failed renewal the next may start.
    public var retryInterval: Duration = .seconds(10)
    /// Told about failed renewals, for the error log.
    public var onRefreshFailure: @Sendable (AWSCredentialsError) -> Void = { _ in }
    /// For STS, which may be far away.
    let remoteClient: HTTPClient
    /// For the container endpoint and instance metadata: on this host or one hop away, so a
    /// short connect timeout lets a machine without them fail fast.
    let localClient: HTTPClient

    public init(environment: [String: String], region: String, remoteClient: HTTPClient, localClient: HTTPClient) {
        self.environment = environment
        self.region = region
        self.remoteClient = remoteClient
        self.localClient = localClient
    }

    public struct Resolved: Sendable {
        public var provider: any AWSCredentialsProvider
        /// For the startup log, e.g. `web identity (role arn:aws:iam::…)`; never a credential.
        public var source: String
    }

    /// - Throws: `AWSCredentialsError` listing every source and why it gave nothing.
    public func resolve(accessKey: String = "", secretKey: String = "", sessionToken: String = "") async throws -> Resolved {
        if !accessKey.isEmpty || !secretKey.isEmpty {
            guard !accessKey.isEmpty, !secretKey.isEmpty else {
                throw AWSCredentialsError("credentials.accesskey and credentials.secretkey must be set together")
            }
            let credentials = AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: sessionToken)
            return Resolved(provider: StaticCredentialsProvider(credentials), source: "the config file")
        }
        var tried = ["config file: no credentials.accesskey"]

        switch environmentCredentials() {
        case .success(let credentials):
            return Resolved(provider: StaticCredentialsProvider(credentials), source: "the environment")
        case .failure(let why): tried.append("environment: \(why)")
        }

        switch SharedFileCredentials.lookup(environment: environment) {
        case .success(let found):
            return Resolved(
                provider: StaticCredentialsProvider(found.credentials),
                source: "the shared file \(found.path) (profile \(found.profile))")
        case .failure(let why): tried.append("shared files: \(why)")
        }

        let webIdentity = STSWebIdentity.fromEnvironment(environment, region: region, httpClient: remoteClient)
        if let found = try await link("web identity", webIdentity, notSet: "AWS_WEB_IDENTITY_TOKEN_FILE not set", &tried, resolveLink) {
            return found
        }
        let container = ContainerCredentials.fromEnvironment(environment, httpClient: localClient)
        let containerNotSet = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set"
        if let found = try await link("container endpoint", container, notSet: containerNotSet, &tried, resolveLink) {
            return found
        }
        let metadata = InstanceMetadataCredentials.fromEnvironment(environment, httpClient: localClient)
        if let found = try await link("instance metadata", metadata, notSet: "", &tried, resolveLink) {
            return found
        }
        throw AWSCredentialsError("tried " + tried.joined(separator: "; "))
    }

    /// Runs one networked link: nil setup means not configured and the search goes on. A link
    /// that is configured but fails ends the search with that failure, as the SDKs' chains do: a
    /// passing STS hiccup on EKS must not settle the server on the node's instance role for good.
    private func link<Setup>(
        _ name: String,
        _ setup: Result<Setup, AWSCredentialsError>?,
        notSet: String,
        _ tried: inout [String],
        _ body: (Setup) async throws -> Resolved
    ) async throws -> Resolved? {
        switch setup {
        case nil:
            tried.append("\(name): \(notSet)")
        case .failure(let why):
            tried.append("\(name): \(why)")
            throw AWSCredentialsError("tried " + tried.joined(separator: "; "))
        case .success(let setup):
            do {
                return try await body(setup)
            } catch let error as CancellationError {
                throw error
            } catch {
                tried.append("\(name): \(error)")
                throw AWSCredentialsError("tried " + tried.joined(separator: "; "))
            }
        }
        return nil
    }

    private func resolveLink(_ sts: STSWebIdentity) async throws -> Resolved {
        provider(source: "web identity (role \(sts.roleARN))", first: try await sts.fetch(), fetch: sts.fetch)
    }

    private func resolveLink(_ endpoint: ContainerCredentials) async throws -> Resolved {
        provider(source: "the container endpoint \(endpoint.displayHost)", first: try await endpoint.fetch(), fetch: endpoint.fetch)
    }

    private func resolveLink(_ metadata: InstanceMetadataCredentials) async throws -> Resolved {
        let (role, first) = try await metadata.fetch()
        return provider(source: "instance metadata (role \(role))", first: first) { try await metadata.fetch().credentials }
    }

    private func provider(
        source: String, first: ExpiringCredentials, fetch: @escaping RefreshingCredentials.Fetch
    ) -> Resolved {
        guard first.expiration != nil else {
            return Resolved(provider: StaticCredentialsProvider(first.credentials), source: source)
        }
        let refreshing = RefreshingCredentials(
            source: source, initial: first, margin: refreshMargin, retryInterval: retryInterval,
            onFailure: onRefreshFailure, fetch: fetch)
        return Resolved(provider: refreshing, source: source)
    }

    /// The names the Go SDK reads, the standard ones first.
    func environmentCredentials() -> Result<AWSCredentials, AWSCredentialsError> {
        let id = environment.setting("AWS_ACCESS_KEY_ID") ?? environment.setting("AWS_ACCESS_KEY")
        let secret = environment.setting("AWS_SECRET_ACCESS_KEY") ?? environment.setting("AWS_SECRET_KEY")
        switch (id, secret) {
        case (let id?, let secret?):
            return .success(
                AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"] ?? ""))
        case (nil, nil):
            return .failure(AWSCredentialsError("AWS_ACCESS_KEY_ID not set"))
        case (nil, _):
            return .failure(AWSCredentialsError("AWS_SECRET_ACCESS_KEY set without AWS_ACCESS_KEY_ID"))
        case (_, nil):
            return .failure(AWSCredentialsError("AWS_ACCESS_KEY_ID set without AWS_SECRET_ACCESS_KEY"))
        }
    }
}

extension [String: String] {
    /// The variable's value, or nil when it is unset or empty: the SDKs treat both alike.
    func setting(_ name: String) -> String? {
        guard let value = self[name], !value.isEmpty else { return nil }
        return value
    }
}
