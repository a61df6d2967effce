import AsyncHTTPClient
import Foundation
import NIOCore

/// Credentials for a role, bought with an OIDC token (EKS IAM roles for service accounts):
/// STS `AssumeRoleWithWebIdentity`, which needs no signature; the token is the proof.
struct STSWebIdentity: Sendable {
    var tokenFile: String
    var roleARN: String
    var sessionName: String
    /// Scheme, host and port of STS, without a trailing slash.
    var endpoint: String
    var httpClient: HTTPClient
    var timeout: TimeAmount = .seconds(10)

    /// nil when `AWS_WEB_IDENTITY_TOKEN_FILE` is not set; an error when it is set but the rest
    /// is not usable.
    static func fromEnvironment(
        _ environment: [String: String], region: String, httpClient: HTTPClient
    ) -> Result<STSWebIdentity, AWSCredentialsError>? {
        guard let tokenFile = environment.setting("AWS_WEB_IDENTITY_TOKEN_FILE") else { return nil }
        guard let roleARN = environment.setting("AWS_ROLE_ARN") else {
            return .failure(AWSCredentialsError("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"))
        }
        let configured = environment.setting("AWS_ENDPOINT_URL_STS") ?? environment.setting("AWS_ENDPOINT_URL")
        guard let endpoint = AWSEndpoint(configured ?? defaultEndpoint(region: region)) else {
            return .failure(AWSCredentialsError("invalid STS endpoint '\(configured ?? "")'"))
        }
        // STS wants a session name; the time makes one that differs between restarts, which
        // tells them apart in CloudTrail.
        let sessionName = environment.setting("AWS_ROLE_SESSION_NAME") ?? "swift-kes-\(Int(Date().timeIntervalSince1970))"
        return .success(
            STSWebIdentity(
                tokenFile: tokenFile, roleARN: roleARN, sessionName: sessionName, endpoint: endpoint.baseURL,
                httpClient: httpClient))
    }

    /// The regional endpoint: the SDKs have used it by default for years, and it keeps working
    /// when us-east-1, home of the global one, is in trouble.
    static func defaultEndpoint(region: String) -> String {
        region.hasPrefix("cn-") ? "sts.\(region).amazonaws.com.cn" : "sts.\(region).amazonaws.com"
    }

    /// Reads the token file again on every call: Kubernetes replaces the token well before it
    /// expires, and an old one is refused.
    func fetch() async throws -> ExpiringCredentials {
        let token = try readToken()
        var request = HTTPClientRequest(url: endpoint + "/")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        request.headers.add(name: "Accept", value: "text/xml")
        request.body = .bytes(ByteBuffer(string: formBody(token: token)))
        let what = "STS \(endpoint)"
        let answer = try await CredentialEndpoint.exchange(request, what: what, client: httpClient, timeout: timeout)
        return try Self.credentials(fromXML: answer, what: what, token: token)
    }

    func readToken() throws -> String {
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw AWSCredentialsError("cannot read the token file \(tokenFile)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw AWSCredentialsError("the token file \(tokenFile) is empty") }
        return token
    }

    func formBody(token: String) -> String {
        let fields = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", roleARN),
            ("RoleSessionName", sessionName),
            ("WebIdentityToken", token),
        ]
        return fields.map { "\($0.0)=\(SigV4Signer.percentEncode($0.1))" }.joined(separator: "&")
    }

    /// The `Credentials` of an `AssumeRoleWithWebIdentityResponse`, or the `Error` of an
    /// `ErrorResponse`, whose message is stripped of the token should STS ever quote it.
    static func credentials(fromXML answer: CredentialEndpoint.Answer, what: String, token: String) throws -> ExpiringCredentials {
        let text = answer.text
        guard answer.isSuccess else {
            var reason = "\(what): HTTP \(answer.status)"
            if let error = XMLText.element("Error", in: text[...]) {
                let code = XMLText.element("Code", in: error).map(XMLText.decode) ?? ""
                let message = XMLText.element("Message", in: error).map(XMLText.decode) ?? ""
                reason += " \(code)" + (message.isEmpty ? "" : ": \(message.prefix(200))")
            }
            throw AWSCredentialsError(reason.replacingOccurrences(of: token, with: "<token>"))
        }
        guard let block = XMLText.element("Credentials", in: text[...]),
            let id = XMLText.element("AccessKeyId", in: block).map(XMLText.decode), !id.isEmpty,
            let secret = XMLText.element("SecretAccessKey", in: block).map(XMLText.decode), !secret.isEmpty
        else {
            throw AWSCredentialsError("\(what): the answer has no Credentials")
        }
        let sessionToken = XMLText.element("SessionToken", in: block).map(XMLText.decode) ?? ""
        let expirationText = XMLText.element("Expiration", in: block).map(XMLText.decode) ?? ""
        guard let expiration = AWSTimestamp.parse(expirationText) else {
            throw AWSCredentialsError("\(what): cannot read Expiration '\(expirationText)'")
        }
        return ExpiringCredentials(
            AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: sessionToken), expiration: expiration)
    }
}

/// Just enough XML for STS's flat answers, so that no XML library (and its shared object) has
/// to ship with the server: the text of the first element with a given name.
enum XMLText {
    static func element(_ name: String, in text: Substring) -> Substring? {
        var searchFrom = text.startIndex
        while let open = text[searchFrom...].range(of: "<\(name)") {
            guard let tagEnd = text[open.upperBound...].firstIndex(of: ">") else { return nil }
            let between = text[open.upperBound..<tagEnd]
            // `<Name>` or `<Name attr="…">`, but not `<NameSuffix>`.
            guard between.isEmpty || between.first == " " else {
                searchFrom = open.upperBound
                continue
            }
            let contentStart = text.index(after: tagEnd)
            guard let close = text[contentStart...].range(of: "</\(name)>") else { return nil }
            return text[contentStart..<close.lowerBound]
        }
        return nil
    }

    /// The five predefined entities and numeric references.
    static func decode(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else {
                rest = rest[amp...]
                break
            }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let hex = entity.hasPrefix("#x") || entity.hasPrefix("#X")
                let digits = entity.dropFirst(hex ? 2 : 1)
                if entity.hasPrefix("#"), let code = UInt32(digits, radix: hex ? 16 : 10), let scalar = Unicode.Scalar(code) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += rest[amp...semicolon]
                }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return out + rest
    }
}
