import KESTestSupport
import Testing

@testable import KESAWS

@Suite struct AWSEndpointTests {
    @Test func bareHostMeansHTTPS() throws {
        let endpoint = try #require(AWSEndpoint("secretsmanager.us-east-2.amazonaws.com"))
        #expect(endpoint.baseURL == "https://secretsmanager.us-east-2.amazonaws.com")
        #expect(endpoint.hostHeader == "secretsmanager.us-east-2.amazonaws.com")
    }

    @Test func fullURLKeepsSchemeAndPort() throws {
        let endpoint = try #require(AWSEndpoint("http://127.0.0.1:5000/"))
        #expect(endpoint.baseURL == "http://127.0.0.1:5000")
        #expect(endpoint.hostHeader == "127.0.0.1:5000")
    }

    @Test func defaultPortIsLeftOutOfHostHeader() throws {
        let endpoint = try #require(AWSEndpoint("https://secretsmanager.eu-west-1.amazonaws.com:443"))
        #expect(endpoint.hostHeader == "secretsmanager.eu-west-1.amazonaws.com")
    }

    @Test func ipv6LiteralKeepsOnePairOfBrackets() throws {
        let endpoint = try #require(AWSEndpoint("http://[fd00:ec2::254]:8080"))
        #expect(endpoint.baseURL == "http://[fd00:ec2::254]:8080")
        #expect(endpoint.host == "fd00:ec2::254")
    }

    @Test func rejectsEmptyAndOtherSchemes() {
        #expect(AWSEndpoint("") == nil)
        #expect(AWSEndpoint("ftp://example.com") == nil)
    }

    @Test func kmsEndpointFollowsSecretsManagerEndpoint() throws {
        let aws = try #require(AWSEndpoint("secretsmanager.us-east-2.amazonaws.com"))
        #expect(aws.kmsEndpoint(region: "us-east-2").baseURL == "https://kms.us-east-2.amazonaws.com")
        let moto = try #require(AWSEndpoint("http://127.0.0.1:5000"))
        #expect(moto.kmsEndpoint(region: "us-east-1") == moto)
    }
}

@Suite struct AWSErrorParsingTests {
    @Test func typeWithNamespaceAndLowercaseMessage() {
        let body = Array(#"{"__type":"com.amazonaws.kms#NotFoundException","message":"gone"}"#.utf8)
        let error = AWSJSONClient.parseError(status: 400, body: body, errorTypeHeader: nil)
        #expect(error == AWSServiceError(code: "NotFoundException", message: "gone", httpStatus: 400))
        #expect("\(error)" == "NotFoundException: gone")
    }

    @Test func headerFallbackAndStatusFallback() {
        let fromHeader = AWSJSONClient.parseError(
            status: 400, body: [], errorTypeHeader: "ThrottlingException:http://internal.amazon.com/")
        #expect(fromHeader.code == "ThrottlingException")
        #expect(fromHeader.isOutage)
        let fromStatus = AWSJSONClient.parseError(status: 503, body: Array("<html>".utf8), errorTypeHeader: nil)
        #expect(fromStatus.code == "HTTP 503")
        #expect(fromStatus.isOutage)
    }
}

@Suite struct KMSKeyProblemTests {
    @Test func describeKeyStates() {
        typealias Metadata = KMS.DescribeKeyOutput.Metadata
        #expect(KMSKeyProblem.fromDescription(Metadata(KeyState: "Enabled", KeyUsage: "ENCRYPT_DECRYPT"), keyID: "k") == nil)
        #expect(
            KMSKeyProblem.fromDescription(Metadata(KeyState: "Disabled"), keyID: "k")?.logLine
                == "aws: the CMK 'k' is disabled")
        #expect(
            KMSKeyProblem.fromDescription(Metadata(KeyState: "PendingDeletion"), keyID: "k")?.logLine
                == "aws: the CMK 'k' is pending deletion")
        #expect(
            KMSKeyProblem.fromDescription(Metadata(KeyState: "Enabled", KeyUsage: "SIGN_VERIFY"), keyID: "k")?.logLine
                == "aws: the CMK 'k' cannot be used for encryption")
    }

    @Test func onlyNotFoundFromDescribeKeyIsDefinite() {
        let notFound = AWSServiceError(code: "NotFoundException", message: "x", httpStatus: 400)
        #expect(KMSKeyProblem.fromDescribeKeyError(notFound, keyID: "k")?.logLine == "aws: the CMK 'k' does not exist")
        let denied = AWSServiceError(code: "AccessDeniedException", message: "x", httpStatus: 400)
        #expect(KMSKeyProblem.fromDescribeKeyError(denied, keyID: "k") == nil)
    }

    @Test func readFailures() {
        func line(_ code: String, _ message: String) -> String? {
            KMSKeyProblem.fromReadError(AWSServiceError(code: code, message: message, httpStatus: 400), keyID: "k")?
                .logLine
        }
        #expect(line("DecryptionFailure", "KMS IncorrectKeyException") == "aws: secret was not encrypted with 'k'")
        #expect(line("DecryptionFailure", "access denied") == "aws: the CMK 'k' cannot be used for decryption")
        #expect(line("DecryptionFailure", "the key is disabled") == "aws: the CMK 'k' is disabled")
        #expect(line("ResourceNotFoundException", "no secret") == nil)
    }
}

@Suite struct DeduplicatingErrorLogTests {
    @Test func identicalLinesWithinTheWindowAreDropped() {
        let captured = LogRecorder()
        let log = DeduplicatingErrorLog(logger: captured.logger, window: .seconds(60))
        #expect(log.error("aws: the CMK 'a' does not exist"))
        #expect(!log.error("aws: the CMK 'a' does not exist"))
        #expect(log.error("aws: the CMK 'b' does not exist"))
        #expect(captured.errors == ["aws: the CMK 'a' does not exist", "aws: the CMK 'b' does not exist"])
    }

    @Test func linesRepeatAfterTheWindow() async throws {
        let captured = LogRecorder()
        let log = DeduplicatingErrorLog(logger: captured.logger, window: .milliseconds(50))
        log.error("x")
        // The duration under test: past the 50 ms window, on the real clock the log uses.
        try await Task.sleep(for: .milliseconds(80))
        log.error("x")
        #expect(captured.errors == ["x", "x"])
    }
}
