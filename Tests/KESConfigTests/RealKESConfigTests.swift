import KESConfig
import KESFileStore
import KESVault
import Testing

/// Files as KES users actually write them must parse without edits.
@Suite struct RealKESConfigTests {
    /// Shaped like KES's documented server-config.yaml and the MinIO operator's KES example:
    /// empty-string placeholders, `auth: ""`, `5m0s`, `on`/`off`, inline comments, a Vault
    /// store whose unused sections are present but null.
    static let documentedStyle = """
        # KES server configuration
        version: v1

        address: 0.0.0.0:7373 # all interfaces

        admin:
          identity: ${MINIO_KES_IDENTITY}

        tls:
          key: /tmp/kes/server.key   # TLS private key
          cert: /tmp/kes/server.crt  # TLS certificate
          password: ""
          auth: ""
          ca: ""
          proxy:
            identities: []
            header:
              cert: X-Tls-Client-Cert

        policy:
          my-app:
            allow:
            - /v1/key/create/my-app*
            - /v1/key/generate/my-app*
            - /v1/key/decrypt/my-app*
            deny:
            - /v1/key/generate/my-app-internal*
            identities:
            - df7281ca3fed4ef7d06297eb7cb9d590a4edc863b4425f4762bb2afaebfd3258
            - c0ecd5962eaf937422268b80a93dde4786dc9783fb2480ddea0f3e5fe471a731
          my-app-ops:
            allow:
            - /v1/key/delete/my-app*
            - /v1/policy/describe/my-app
            identities:
            - 7ec8095a5308a535b72b35c7ccd4ce1d7c14af713acd22e2935a9d6e4fe18127

        cache:
          expiry:
            any: 5m0s
            unused: 20s
            offline: 0s

        log:
          error: on
          audit: off

        api:
          /v1/status:
            timeout: 17s
            skip_auth: true
          /v1/metrics:
            timeout: 22s
            skip_auth: true

        keys:
          - name: some-key-name
          - name: another-key-name

        keystore:
          vault:
            endpoint: https://127.0.0.1:8200
            engine: ""
            version: v2
            namespace: ""
            prefix: tenant-1
            approle:
              engine: ""
              id: ${VAULT_APPROLE_ID}
              secret: ${VAULT_APPROLE_SECRET}
              retry: 15s
            kubernetes:
            tls:
              key: ""
              cert: ""
              ca: ""
            status:
              ping: 10s
        """

    @Test func documentedStyleConfigParses() throws {
        let config = try ServerConfig.parse(Self.documentedStyle, file: "kes-config.yaml", environment: [
            "MINIO_KES_IDENTITY": "3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22",
            "VAULT_APPROLE_ID": "db02de05-fa39-4855-059b-67221c5c2f63",
            "VAULT_APPROLE_SECRET": "6a174c20-f6de-a53c-74d2-6018fcceff64",
        ])
        #expect(config.address == "0.0.0.0:7373")
        #expect(config.adminIdentity == "3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22")
        #expect(config.tls == ServerTLSConfig(keyPath: "/tmp/kes/server.key", certPath: "/tmp/kes/server.crt", proxyCertHeader: "X-Tls-Client-Cert"))
        #expect(config.policies.map(\.name) == ["my-app", "my-app-ops"])
        #expect(config.policies[0].identities.count == 2)
        #expect(config.policies[0].deny == ["/v1/key/generate/my-app-internal*"])
        #expect(config.cache == CacheConfig(expiryAny: .seconds(300), expiryUnused: .seconds(20), expiryOffline: .zero))
        #expect(config.log == LogConfig(error: true, audit: false))
        #expect(config.api == [
            "/v1/status": APIRouteConfig(skipAuth: true, timeout: .seconds(17)),
            "/v1/metrics": APIRouteConfig(skipAuth: true, timeout: .seconds(22)),
        ])
        #expect(config.keys == ["some-key-name", "another-key-name"])

        var vault = VaultKeyStoreConfig(endpoint: "https://127.0.0.1:8200")
        vault.kvVersion = .v2
        vault.prefix = "tenant-1"
        vault.approle = .init(id: "db02de05-fa39-4855-059b-67221c5c2f63", secret: "6a174c20-f6de-a53c-74d2-6018fcceff64", retry: .seconds(15))
        vault.statusPing = .seconds(10)
        #expect(config.keystore.configuration as? VaultKeyStoreConfig == vault)
    }

    /// The 2023-10-03 era: no `version`, no `tls.auth` (it came from `--auth`), policies with
    /// `allow`/`deny`, the legacy bulk-decrypt route in a pattern.
    @Test func authFlagEraConfigParses() throws {
        let config = try ServerConfig.parse("""
            address: 0.0.0.0:7373
            admin:
              identity: disabled

            tls:
              key: ./private.key
              cert: ./public.crt

            cache:
              expiry:
                any: 5m0s
                unused: 30s
                offline: 0s

            policy:
              minio:
                allow:
                - /v1/key/create/*
                - /v1/key/generate/*
                - /v1/key/decrypt/*
                - /v1/key/bulk/decrypt/*
                deny:
                - /v1/key/decrypt/2022-10-31_my-bucket-1

            keystore:
              fs:
                path: /tmp/kes
            """, file: "fs.yml", environment: [:])
        #expect(config.adminIdentity == "disabled")
        #expect(config.tls.auth == false)
        #expect(config.policies == [PolicyConfig(
            name: "minio",
            allow: ["/v1/key/create/*", "/v1/key/generate/*", "/v1/key/decrypt/*", "/v1/key/bulk/decrypt/*"],
            deny: ["/v1/key/decrypt/2022-10-31_my-bucket-1"]
        )])
        #expect(config.keystore.configuration as? FSKeyStoreConfig == FSKeyStoreConfig(path: "/tmp/kes"))
    }

    /// Anchors and aliases are plain YAML and work too.
    @Test func yamlAliases() throws {
        let config = try ServerConfig.parse("""
            admin:
              identity: disabled
            policy:
              a:
                allow: &common
                - /v1/status
                - /v1/metrics
                identities: [id-a]
              b:
                allow: *common
                identities: [id-b]
            keystore:
              fs:
                path: /tmp/kes
            """, file: "a.yaml", environment: [:])
        #expect(config.policies[1].allow == ["/v1/status", "/v1/metrics"])
    }
}
