import Foundation
import Testing

@testable import KESAWS

@Suite struct AWSSharedConfigFileTests {
    @Test func commentsWhitespaceAndCase() {
        let file = AWSSharedConfigFile(
            parsing: """
                # a comment
                ; another comment
                  [ default ]   # trailing comment
                \tAWS_Access_Key_ID\t=\tAKID   ; inline comment
                aws_secret_access_key=se/cr+et==
                aws_session_token = tok#en ;comment

                [other]
                aws_access_key_id = OTHER
                """)
        #expect(file.sections["default"]?["aws_access_key_id"] == "AKID")
        #expect(file.sections["default"]?["aws_secret_access_key"] == "se/cr+et==")
        // `#` and `;` start a comment only after whitespace: inside a value they are data.
        #expect(file.sections["default"]?["aws_session_token"] == "tok#en")
        #expect(file.sections["other"]?["aws_access_key_id"] == "OTHER")
    }

    @Test func nestedBlocksAndContinuationsDoNotLeakIntoTheProfile() {
        let file = AWSSharedConfigFile(
            parsing: """
                [default]
                s3 =
                    aws_access_key_id = NESTED
                    max_concurrent_requests = 10
                aws_secret_access_key = SECRET
                  continued line = X
                """)
        #expect(file.sections["default"] == ["s3": "", "aws_secret_access_key": "SECRET"])
    }

    @Test func malformedHeadersEndTheSection() {
        let file = AWSSharedConfigFile(
            parsing: """
                [default]
                aws_access_key_id = A
                [broken
                aws_secret_access_key = LEAKED
                [] 
                aws_session_token = LEAKED
                [ok] junk
                aws_session_token = LEAKED
                not a key line
                """)
        #expect(file.sections["default"] == ["aws_access_key_id": "A"])
        #expect(file.sections.count == 1)
    }

    @Test func configFileProfilesNeedThePrefixExceptDefault() {
        let file = AWSSharedConfigFile(
            parsing: """
                [default]
                region = eu-west-1
                [profile  kes ]
                aws_access_key_id = K
                [plain]
                aws_access_key_id = P
                """)
        #expect(file.profile("default", inConfigFile: true) == ["region": "eu-west-1"])
        #expect(file.profile("kes", inConfigFile: true) == ["aws_access_key_id": "K"])
        #expect(file.profile("plain", inConfigFile: true) == nil)
        #expect(file.profile("plain", inConfigFile: false) == ["aws_access_key_id": "P"])
        #expect(file.profile("kes", inConfigFile: false) == nil)
    }

    @Test func crlfLineEndings() {
        let file = AWSSharedConfigFile(parsing: "[default]\r\naws_access_key_id = A\r\naws_secret_access_key = B\r\n")
        #expect(file.sections["default"] == ["aws_access_key_id": "A", "aws_secret_access_key": "B"])
    }
}

@Suite struct SharedFileCredentialsTests {
    @Test func credentialsFileThenConfigFileForTheProfile() async throws {
        try await ScratchDirectory.with { directory in
            let credentials = try directory.write(
                "credentials",
                """
                [default]
                aws_access_key_id = DEFAULT
                aws_secret_access_key = default-secret
                [partial]
                aws_access_key_id = ONLY-ID
                """)
            let config = try directory.write(
                "config",
                """
                [profile partial]
                aws_access_key_id = FROM-CONFIG
                aws_secret_access_key = config-secret
                aws_session_token = config-token
                """)
            let environment = ["AWS_SHARED_CREDENTIALS_FILE": credentials, "AWS_CONFIG_FILE": config]

            let fallback = try SharedFileCredentials.lookup(environment: environment).get()
            #expect(fallback.credentials == AWSCredentials(accessKeyID: "DEFAULT", secretAccessKey: "default-secret"))
            #expect(fallback.profile == "default" && fallback.path == credentials)

            let partial = try SharedFileCredentials.lookup(environment: environment.merging(["AWS_PROFILE": "partial"]) { $1 }).get()
            #expect(
                partial.credentials
                    == AWSCredentials(accessKeyID: "FROM-CONFIG", secretAccessKey: "config-secret", sessionToken: "config-token"))
            #expect(partial.path == config)

            let missing = SharedFileCredentials.lookup(environment: environment.merging(["AWS_PROFILE": "nope"]) { $1 })
            #expect(throws: AWSCredentialsError("\(credentials) has no profile nope, \(config) has no profile nope")) {
                try missing.get()
            }
        }
    }

    @Test func defaultPathsLiveUnderHome() async throws {
        try await ScratchDirectory.with { directory in
            try FileManager.default.createDirectory(atPath: directory.path + "/.aws", withIntermediateDirectories: true)
            _ = try directory.write(".aws/config", "[default]\naws_access_key_id = H\naws_secret_access_key = S\n")
            let found = try SharedFileCredentials.lookup(environment: ["HOME": directory.path]).get()
            #expect(found.path == directory.path + "/.aws/config")
            #expect(found.credentials.accessKeyID == "H")

            let notes = SharedFileCredentials.lookup(environment: ["HOME": directory.path + "/nowhere"])
            #expect(throws: AWSCredentialsError("no \(directory.path)/nowhere/.aws/credentials, no \(directory.path)/nowhere/.aws/config")) {
                try notes.get()
            }
            #expect(throws: AWSCredentialsError("HOME not set")) { try SharedFileCredentials.lookup(environment: [:]).get() }
        }
    }

    @Test func aProfileWithoutTheKeyPairIsNotedWithoutItsValues() async throws {
        try await ScratchDirectory.with { directory in
            let path = try directory.write("credentials", "[default]\naws_access_key_id = VISIBLE-ID\n")
            let result = SharedFileCredentials.lookup(environment: ["AWS_SHARED_CREDENTIALS_FILE": path, "AWS_CONFIG_FILE": path + ".none"])
            guard case .failure(let error) = result else {
                Issue.record("expected a failure")
                return
            }
            #expect(error.description.contains("profile default in \(path) has no aws_access_key_id and aws_secret_access_key"))
            #expect(!error.description.contains("VISIBLE-ID"))
        }
    }
}

/// A temporary directory removed after the test.
struct ScratchDirectory {
    let path: String

    static func with<T>(_ body: (ScratchDirectory) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kes-aws-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(ScratchDirectory(path: path))
    }

    /// Writes `text` to `name` inside the directory and returns the file's path.
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}
