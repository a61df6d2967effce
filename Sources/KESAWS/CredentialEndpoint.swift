import AsyncHTTPClient
import Foundation
import KESHTTPBackend
import NIOCore

/// What the credential links share: one HTTP exchange with a small, bounded answer, and the
/// JSON document that the container endpoint and instance metadata both answer with.
enum CredentialEndpoint {
    /// Credential answers are a few kilobytes; anything larger is not one.
    static let maxResponseBytes = 64 << 10

    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var isSuccess: Bool { (200..<300).contains(status) }
    }

    /// Sends `request`. Transport failures become an `AWSCredentialsError` naming `what`;
    /// the request's headers (which may carry a token) are never part of it.
    static func exchange(
        _ request: HTTPClientRequest, what: String, client: HTTPClient, timeout: TimeAmount
    ) async throws -> Answer {
        do {
            let response = try await client.execute(request, timeout: timeout)
            let body = try await BackendHTTPClient.collect(response, upTo: maxResponseBytes)
            return Answer(status: Int(response.status.code), body: body)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw AWSCredentialsError("\(what): \(BackendHTTPClient.describe(error))")
        }
    }

    /// `{AccessKeyId, SecretAccessKey, Token, Expiration}`; instance metadata adds `Code`, which
    /// is `Success` when the role's credentials are usable.
    struct Document: Decodable {
        var AccessKeyId: String?
        var SecretAccessKey: String?
        var Token: String?
        var Expiration: String?
        var Code: String?
        var Message: String?
        // The container endpoint's error shape.
        var code: String?
        var message: String?
    }

    /// The credentials of a JSON answer, or why it holds none (never quoting the body, which
    /// might hold a secret next to the field that is missing).
    static func credentials(fromJSON body: [UInt8], what: String) throws -> ExpiringCredentials {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(body)) else {
            throw AWSCredentialsError("\(what): the answer is not a credentials document")
        }
        if let code = document.Code, code != "Success" {
            throw AWSCredentialsError("\(what): \(code)" + (document.Message.map { ": \($0)" } ?? ""))
        }
        guard let id = document.AccessKeyId, !id.isEmpty, let secret = document.SecretAccessKey, !secret.isEmpty else {
            throw AWSCredentialsError("\(what): the answer has no AccessKeyId and SecretAccessKey")
        }
        var expiration: Date?
        if let text = document.Expiration {
            guard let date = AWSTimestamp.parse(text) else {
                throw AWSCredentialsError("\(what): cannot read Expiration '\(text)'")
            }
            expiration = date
        }
        let credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: document.Token ?? "")
        return ExpiringCredentials(credentials, expiration: expiration)
    }

    /// A short account of a failed answer: the status, and the service's error code and message
    /// when the body is JSON that has them.
    static func failure(_ answer: Answer, what: String) -> AWSCredentialsError {
        var text = "\(what): HTTP \(answer.status)"
        if let document = try? JSONDecoder().decode(Document.self, from: Data(answer.body)),
            let code = document.code ?? document.Code
        {
            text += " \(code)"
            if let message = document.message ?? document.Message, !message.isEmpty {
                text += ": \(message.prefix(200))"
            }
        }
        return AWSCredentialsError(text)
    }
}

/// ISO 8601 timestamps as AWS writes them in credential answers: `2026-12-01T21:51:02Z`, with or
/// without fractional seconds (any number of digits), or with a `±hh:mm` offset instead of `Z`.
enum AWSTimestamp {
    static func parse(_ text: String) -> Date? {
        let scalars = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard scalars.count >= 20, scalars[4] == UInt8(ascii: "-"), scalars[7] == UInt8(ascii: "-"),
            scalars[10] == UInt8(ascii: "T") || scalars[10] == UInt8(ascii: "t"),
            scalars[13] == UInt8(ascii: ":"), scalars[16] == UInt8(ascii: ":"),
            let year = number(scalars[0..<4]), let month = number(scalars[5..<7]), let day = number(scalars[8..<10]),
            let hour = number(scalars[11..<13]), let minute = number(scalars[14..<16]),
            let second = number(scalars[17..<19])
        else { return nil }
        var index = 19
        var fraction = 0.0
        if scalars[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < scalars.count, let digit = number(scalars[index..<index + 1]) {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
        }
        guard index < scalars.count, let offset = offsetSeconds(scalars[index...]) else { return nil }
        var components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        components.timeZone = TimeZone(secondsFromGMT: 0)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let date = calendar.date(from: components) else { return nil }
        return date.addingTimeInterval(fraction - Double(offset))
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    /// `Z` → 0, `+hh:mm` / `-hh:mm` → that offset east of UTC in seconds.
    private static func offsetSeconds(_ zone: ArraySlice<UInt8>) -> Int? {
        let zone = Array(zone)
        if zone == [UInt8(ascii: "Z")] || zone == [UInt8(ascii: "z")] { return 0 }
        guard zone.count == 6, zone[0] == UInt8(ascii: "+") || zone[0] == UInt8(ascii: "-"), zone[3] == UInt8(ascii: ":"),
            let hours = number(zone[1..<3]), let minutes = number(zone[4..<6])
        else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return zone[0] == UInt8(ascii: "-") ? -seconds : seconds
    }
}
