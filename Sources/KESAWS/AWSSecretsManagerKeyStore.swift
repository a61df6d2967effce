import AsyncHTTPClient
import Foundation
import KESHTTPBackend
import KESKeyStore
import Logging
import NIOCore

/// `keystore.aws.secretsmanager`: one secret per key, the secret's name being the
/// key name and its `SecretString` the stored-key text.
///
/// Talks to Secrets Manager (and, when `kmskey` is set, to KMS for a key check
/// before each create) over the JSON 1.1 protocol with a hand-written SigV4
/// signer. Every request has a 10-second deadline.
public final class AWSSecretsManagerKeyStore: KeyStore {
    public let kind = "aws"

    let endpoint: AWSEndpoint
    let secrets: AWSJSONClient
    let kms: AWSJSONClient
    /// The configured KMS key ID/ARN/alias; empty means the AWS-managed default.
    let kmsKey: String
    let errorLog: DeduplicatingErrorLog
    let httpClient: HTTPClient
    /// For the container endpoint and instance metadata, with a 1-second connect timeout.
    let credentialsClient: HTTPClient
    /// Where the credentials came from, for the startup log; never a credential.
    public let credentialsSource: String
    let timeout: TimeAmount = .seconds(10)

    /// Page size for `ListSecrets`; 100 is the API's maximum.
    static let listPageSize = 100

    /// Connects and probes the endpoint once.
    ///
    /// Credentials come from `config` when an access key is set, otherwise from the AWS
    /// default chain over `environment` (`AWSCredentialChain`); temporary ones are renewed
    /// `refreshMargin` before they expire (at half their lifetime when that is shorter).
    /// - Throws: `KeyStoreError.failed` for an unusable config or when no credentials are
    ///   found, or the status error when the endpoint cannot be reached.
    public init(
        config: AWSSecretsManagerConfig,
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        refreshMargin: Duration = .seconds(300)
    ) async throws {
        guard let endpoint = AWSEndpoint(config.endpoint) else {
            throw KeyStoreError.failed("aws: invalid endpoint '\(config.endpoint)'")
        }
        guard !config.region.isEmpty else {
            throw KeyStoreError.failed("aws: no region specified")
        }
        let httpClient = BackendHTTPClient.make(connectTimeout: timeout, readTimeout: timeout)
        let credentialsClient = BackendHTTPClient.make(connectTimeout: .seconds(1), readTimeout: .seconds(5))
        let errorLog = DeduplicatingErrorLog(logger: logger)
        var chain = AWSCredentialChain(
            environment: environment, region: config.region, remoteClient: httpClient, localClient: credentialsClient)
        chain.refreshMargin = refreshMargin
        chain.onRefreshFailure = { errorLog.error("aws: \($0)") }
        let resolved: AWSCredentialChain.Resolved
        do {
            resolved = try await chain.resolve(
                accessKey: config.accessKey, secretKey: config.secretKey, sessionToken: config.sessionToken)
        } catch {
            try? await httpClient.shutdown()
            try? await credentialsClient.shutdown()
            if error is CancellationError { throw error }
            throw KeyStoreError.failed("aws: no credentials: \(error)")
        }
        logger.info("aws: using credentials from \(resolved.source)")
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.credentialsClient = credentialsClient
        self.credentialsSource = resolved.source
        self.secrets = AWSJSONClient(
            endpoint: endpoint,
            credentials: resolved.provider,
            region: config.region,
            service: "secretsmanager",
            targetPrefix: "secretsmanager",
            timeout: timeout,
            httpClient: httpClient
        )
        self.kms = AWSJSONClient(
            endpoint: endpoint.kmsEndpoint(region: config.region),
            credentials: resolved.provider,
            region: config.region,
            service: "kms",
            targetPrefix: "TrentService",
            timeout: timeout,
            httpClient: httpClient
        )
        self.kmsKey = config.kmsKey
        self.errorLog = errorLog
        // If this throws, deinit shuts the clients down.
        try await status()
    }

    deinit {
        // Fire-and-forget: a second shutdown after close() only reports an error we ignore.
        _ = httpClient.shutdown()
        _ = credentialsClient.shutdown()
    }

    // MARK: - KeyStore

    public func create(_ name: String, value: [UInt8]) async throws {
        let context = "aws: failed to create '\(name)'"
        if !kmsKey.isEmpty, let problem = await kmsKeyProblem() {
            errorLog.error(problem.logLine)
            throw KeyStoreError.failed("\(context): \(problem.error)")
        }
        var input = SecretsManager.CreateSecretInput(
            Name: name, KmsKeyId: kmsKey.isEmpty ? nil : kmsKey, ClientRequestToken: UUID().uuidString)
        if let text = String(validating: value, as: UTF8.self) {
            input.SecretString = text
        } else {
            // Not stored-key text (docs/formats.md, "Stored keys"), but never silently mangle bytes.
            input.SecretBinary = Data(value).base64EncodedString()
        }
        do {
            _ = try await secrets.call("CreateSecret", input, returning: SecretsManager.Ignored.self)
        } catch AWSCallError.service(let error) where error.code == "ResourceExistsException" {
            throw KeyStoreError.keyExists
        } catch AWSCallError.service(let error) where !error.isOutage {
            if let problem = KMSKeyProblem.fromCreateError(error, keyID: keyNameForLog) {
                errorLog.error(problem.logLine)
            }
            throw KeyStoreError.failed("\(context): \(error)")
        } catch {
            throw KeyStoreError.fromAWS(error, context: context)
        }
    }

    public func get(_ name: String) async throws -> [UInt8] {
        let output: SecretsManager.GetSecretValueOutput
        do {
            output = try await secrets.call(
                "GetSecretValue",
                SecretsManager.SecretIDInput(SecretId: name),
                returning: SecretsManager.GetSecretValueOutput.self
            )
        } catch AWSCallError.service(let error) where error.code == "ResourceNotFoundException" {
            throw KeyStoreError.keyNotFound
        } catch AWSCallError.service(let error) where !error.isOutage {
            if let problem = KMSKeyProblem.fromReadError(error, keyID: keyNameForLog) {
                errorLog.error(problem.logLine)
            }
            if error.code == "DecryptionFailure" {
                throw KeyStoreError.failed("aws: cannot access '\(name)': \(error)")
            }
            throw KeyStoreError.failed("aws: failed to read '\(name)': \(error)")
        } catch {
            throw KeyStoreError.fromAWS(error, context: "aws: failed to read '\(name)'")
        }
        if let text = output.SecretString {
            return Array(text.utf8)
        }
        if let encoded = output.SecretBinary, let bytes = Data(base64Encoded: encoded) {
            return Array(bytes)
        }
        throw KeyStoreError.failed("aws: failed to read '\(name)': secret has neither SecretString nor SecretBinary")
    }

    public func delete(_ name: String) async throws {
        let input = SecretsManager.DeleteSecretInput(SecretId: name, ForceDeleteWithoutRecovery: true)
        do {
            _ = try await secrets.call("DeleteSecret", input, returning: SecretsManager.Ignored.self)
        } catch AWSCallError.service(let error) where error.code == "ResourceNotFoundException" {
            throw KeyStoreError.keyNotFound
        } catch {
            throw KeyStoreError.fromAWS(error, context: "aws: failed to delete '\(name)'")
        }
    }

    public func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        var names: [String] = []
        var token: String? = nil
        repeat {
            let page: SecretsManager.ListSecretsOutput
            do {
                page = try await secrets.call(
                    "ListSecrets",
                    SecretsManager.ListSecretsInput(MaxResults: Self.listPageSize, NextToken: token),
                    returning: SecretsManager.ListSecretsOutput.self
                )
            } catch {
                throw KeyStoreError.fromAWS(error, context: "aws: failed to list secrets")
            }
            names.append(contentsOf: (page.SecretList ?? []).compactMap(\.Name))
            let next = page.NextToken.flatMap { $0.isEmpty ? nil : $0 }
            // A token that does not advance would loop forever.
            if let next, next == token {
                throw KeyStoreError.failed("aws: failed to list secrets: pagination token did not advance")
            }
            token = next
        } while token != nil
        return KeyListPage(allNames: names, prefix: prefix, startingAt: start, limit: limit)
    }

    /// An unauthenticated `GET` of the endpoint: any HTTP answer (even 4xx) proves
    /// the service is reachable.
    public func status() async throws {
        var request = HTTPClientRequest(url: endpoint.baseURL + "/")
        request.method = .GET
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 1 << 20)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw KeyStoreError.unreachable("aws: no connection to \(endpoint.baseURL): \(BackendHTTPClient.describe(error))")
        }
    }

    public func close() async {
        try? await httpClient.shutdown()
        try? await credentialsClient.shutdown()
    }

    // MARK: - KMS

    private var keyNameForLog: String {
        kmsKey.isEmpty ? KMSKeyProblem.defaultKeyAlias : kmsKey
    }

    /// Asks KMS whether the configured key can encrypt. Only definite answers
    /// count; if KMS cannot be asked, Secrets Manager decides on create.
    func kmsKeyProblem() async -> KMSKeyProblem? {
        do {
            let output = try await kms.call(
                "DescribeKey",
                KMS.KeyIDInput(KeyId: kmsKey),
                returning: KMS.DescribeKeyOutput.self
            )
            guard let metadata = output.KeyMetadata else { return nil }
            return KMSKeyProblem.fromDescription(metadata, keyID: kmsKey)
        } catch AWSCallError.service(let error) {
            return KMSKeyProblem.fromDescribeKeyError(error, keyID: kmsKey)
        } catch {
            return nil
        }
    }
}
