import AsyncHTTPClient
import Foundation
import NIOCore

/// The EC2 instance role, from the instance metadata service: IMDSv2 (a session token first),
/// and IMDSv1 where the service says it does not do tokens.
struct InstanceMetadataCredentials: Sendable {
    /// Scheme, host and port, without a trailing slash.
    var endpoint: String
    /// Meant for a client with a short connect timeout: off EC2 nothing answers at the metadata
    /// address, and startup must not hang on it.
    var httpClient: HTTPClient
    var timeout: TimeAmount = .seconds(3)

    static let defaultEndpoint = "http://169.254.169.254"
    static let defaultIPv6Endpoint = "http://[fd00:ec2::254]"
    static let credentialsPath = "/latest/meta-data/iam/security-credentials/"

    /// An error when `AWS_EC2_METADATA_DISABLED` is `true` or the endpoint is not a URL.
    static func fromEnvironment(
        _ environment: [String: String], httpClient: HTTPClient
    ) -> Result<InstanceMetadataCredentials, AWSCredentialsError> {
        if environment.setting("AWS_EC2_METADATA_DISABLED")?.lowercased() == "true" {
            return .failure(AWSCredentialsError("disabled by AWS_EC2_METADATA_DISABLED"))
        }
        let ipv6 = environment.setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")?.lowercased() == "ipv6"
        let text = environment.setting("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? (ipv6 ? defaultIPv6Endpoint : defaultEndpoint)
        guard text.contains("://"), let endpoint = AWSEndpoint(text) else {
            return .failure(AWSCredentialsError("invalid AWS_EC2_METADATA_SERVICE_ENDPOINT '\(text)'"))
        }
        return .success(InstanceMetadataCredentials(endpoint: endpoint.baseURL, httpClient: httpClient))
    }

    /// The role's name and its credentials. The role is looked up every time: it can be
    /// replaced on a running instance.
    func fetch() async throws -> (role: String, credentials: ExpiringCredentials) {
        let token = try await sessionToken()
        let roles = try await get(Self.credentialsPath, token: token)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw AWSCredentialsError("instance metadata \(endpoint): no IAM role attached")
        }
        let document = try await get(Self.credentialsPath + role, token: token)
        let credentials = try CredentialEndpoint.credentials(fromJSON: Array(document.utf8), what: "instance metadata \(endpoint)")
        return (role, credentials)
    }

    /// An IMDSv2 session token, or nil where only IMDSv1 is served: 403 (tokens turned off),
    /// 404 and 405 (a service or proxy without the token API). A timeout is not taken as
    /// "IMDSv1": with a hop limit of 1 in a container every answer is lost the same way.
    func sessionToken() async throws -> String? {
        var request = HTTPClientRequest(url: endpoint + "/latest/api/token")
        request.method = .PUT
        request.headers.add(name: "X-aws-ec2-metadata-token-ttl-seconds", value: "21600")
        let what = "instance metadata \(endpoint)"
        let answer = try await CredentialEndpoint.exchange(request, what: what, client: httpClient, timeout: timeout)
        if [403, 404, 405].contains(answer.status) { return nil }
        guard answer.isSuccess, !answer.text.isEmpty else { throw CredentialEndpoint.failure(answer, what: what + " token") }
        return answer.text
    }

    private func get(_ path: String, token: String?) async throws -> String {
        var request = HTTPClientRequest(url: endpoint + path)
        request.method = .GET
        if let token { request.headers.add(name: "X-aws-ec2-metadata-token", value: token) }
        let what = "instance metadata \(endpoint)"
        let answer = try await CredentialEndpoint.exchange(request, what: what, client: httpClient, timeout: timeout)
        guard answer.isSuccess else {
            if answer.status == 404, path == Self.credentialsPath {
                throw AWSCredentialsError("\(what): no IAM role attached")
            }
            throw CredentialEndpoint.failure(answer, what: what)
        }
        return answer.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
