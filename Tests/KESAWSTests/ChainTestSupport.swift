import AsyncHTTPClient
import Foundation
import KESHTTPBackend

@testable import KESAWS

/// What the credential tests share: an environment that cannot reach this machine's own AWS
/// setup, a chain over it, and the answers credential services give.
enum ChainTest {
    /// No shared files (HOME points nowhere) and no instance metadata, plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": "/nonexistent/kes-aws-test-home", "AWS_EC2_METADATA_DISABLED": "true"].merging(extra) { $1 }
    }

    /// Built as the key store builds its clients: a refused connection fails at once, where
    /// `HTTPClient.shared` would retry it until its connect timeout. Lives as long as the process.
    static let client = BackendHTTPClient.make(connectTimeout: .seconds(1), readTimeout: .seconds(5))

    static func chain(_ environment: [String: String], margin: Duration = .seconds(300)) -> AWSCredentialChain {
        var chain = AWSCredentialChain(environment: environment, region: "us-east-1", remoteClient: client, localClient: client)
        chain.refreshMargin = margin
        return chain
    }

    /// The container endpoint's and instance metadata's JSON.
    static func json(_ id: String, expiresIn seconds: TimeInterval? = 3600) -> String {
        let expiration = seconds.map { #", "Expiration": "\#(timestamp(Date().addingTimeInterval($0)))""# } ?? ""
        return #"{"Code": "Success", "AccessKeyId": "\#(id)", "SecretAccessKey": "secret-\#(id)", "Token": "token-\#(id)"\#(expiration)}"#
    }

    /// STS's `AssumeRoleWithWebIdentity` answer.
    static func stsXML(_ id: String, expiresIn seconds: TimeInterval = 3600) -> String {
        """
        <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleWithWebIdentityResult>
            <Credentials>
              <AccessKeyId>\(id)</AccessKeyId>
              <SecretAccessKey>secret&amp;\(id)</SecretAccessKey>
              <SessionToken>token-\(id)</SessionToken>
              <Expiration>\(timestamp(Date().addingTimeInterval(seconds)))</Expiration>
            </Credentials>
          </AssumeRoleWithWebIdentityResult>
        </AssumeRoleWithWebIdentityResponse>
        """
    }

    /// With milliseconds: whole seconds would cut up to a second off lifetimes of a few seconds.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The decoded fields of an `application/x-www-form-urlencoded` body.
    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}
