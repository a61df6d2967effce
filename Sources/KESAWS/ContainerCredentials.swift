import AsyncHTTPClient
import Foundation
import NIOCore

/// The container credentials endpoint: ECS task roles, EKS Pod Identity, and anything else that
/// serves `{AccessKeyId, SecretAccessKey, Token, Expiration}` at a URL given in the environment.
struct ContainerCredentials: Sendable {
    var url: String
    /// Read at every fetch when set, since EKS Pod Identity rotates the token in that file.
    var authorizationFile: String?
    var authorization: String?
    var httpClient: HTTPClient
    var timeout: TimeAmount = .seconds(5)

    /// Where ECS serves `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    static let ecsHost = "http://169.254.170.2"

    /// nil when neither URI variable is set. The relative URI wins when both are.
    static func fromEnvironment(
        _ environment: [String: String], httpClient: HTTPClient
    ) -> Result<ContainerCredentials, AWSCredentialsError>? {
        let url: String
        if let relative = environment.setting("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            url = ecsHost + (relative.hasPrefix("/") ? "" : "/") + relative
        } else if let full = environment.setting("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            if let problem = problem(withFullURI: full) { return .failure(problem) }
            url = full
        } else {
            return nil
        }
        return .success(
            ContainerCredentials(
                url: url,
                authorizationFile: environment.setting("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
                authorization: environment.setting("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                httpClient: httpClient))
    }

    /// Plain HTTP would hand the authorization token, and then the credentials, to anyone on
    /// the path, so it is only allowed to this host itself and to the link-local addresses
    /// where ECS and EKS serve credentials.
    static func problem(withFullURI text: String) -> AWSCredentialsError? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else { return AWSCredentialsError("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL") }
        if scheme == "https" { return nil }
        guard scheme == "http" else {
            return AWSCredentialsError("AWS_CONTAINER_CREDENTIALS_FULL_URI must be http or https")
        }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let allowed = ["localhost", "::1", "169.254.170.2", "169.254.170.23", "fd00:ec2::23"]
        if allowed.contains(bare) || isLoopbackIPv4(bare) { return nil }
        return AWSCredentialsError("AWS_CONTAINER_CREDENTIALS_FULL_URI over http must name a loopback or the ECS/EKS address, not \(host)")
    }

    private static func isLoopbackIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Scheme, host and port only: the path of a relative URI is specific to the task, and no
    /// log needs it.
    var displayHost: String {
        guard let components = URLComponents(string: url), let host = components.host else { return "?" }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(components.scheme ?? "http")://\(host)\(port)"
    }

    func fetch() async throws -> ExpiringCredentials {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization = try currentAuthorization() {
            request.headers.add(name: "Authorization", value: authorization)
        }
        let what = "container endpoint \(displayHost)"
        let answer = try await CredentialEndpoint.exchange(request, what: what, client: httpClient, timeout: timeout)
        guard answer.isSuccess else { throw CredentialEndpoint.failure(answer, what: what) }
        return try CredentialEndpoint.credentials(fromJSON: answer.body, what: what)
    }

    private func currentAuthorization() throws -> String? {
        var token = authorization
        if let authorizationFile {
            guard let data = FileManager.default.contents(atPath: authorizationFile) else {
                throw AWSCredentialsError("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(authorizationFile)")
            }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // A line break would end the header and start another.
        if let token, token.isEmpty || token.contains(where: \.isNewline) {
            throw AWSCredentialsError("the container authorization token is empty or spans lines")
        }
        return token
    }
}
