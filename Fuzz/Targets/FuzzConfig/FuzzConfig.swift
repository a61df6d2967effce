import FuzzSupport
import KESConfig
import KESCore

// Untrusted YAML text through the config loader (Yams, then the KES sections and every key
// store section). A file that loads must load to the same values again, and its policies must
// compile into a policy set or be refused with an error, never a trap.

private let environment = [
    "KES_ADMIN_IDENTITY": "3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22",
    "MINIO_KES_IDENTITY": "40235905b7b83e0537a002db523cd019d6709b899adc249c957860cd00fa9f78",
    "VAULT_ADDR": "http://127.0.0.1:8200",
    "VAULT_TOKEN": "root",
    "VAULT_APPROLE_ID": "role",
    "VAULT_APPROLE_SECRET": "secret",
    "AWS_ACCESS_KEY_ID": "AKIAFUZZ",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "UPSTREAM_KES_API_KEY": "kes:v1:ACQpoGqx3rHHjT938Hfu5hVVQJHZWSqVI2Xp1KlYxFVw",
    "NAME": "value",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let yaml = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let config = try? ServerConfig.parse(yaml, file: "fuzz.yaml", environment: environment) else { return 0 }

    guard let again = try? ServerConfig.parse(yaml, file: "fuzz.yaml", environment: environment) else {
        fatalError("invariant violated: a config that loaded once fails to load again")
    }
    require(
        config.address == again.address && config.adminIdentity == again.adminIdentity && config.tls == again.tls
            && config.cache == again.cache && config.log == again.log && config.policies == again.policies
            && config.api == again.api && config.keys == again.keys,
        "loading the same text twice gives different values")

    let policies = config.policies.map { section in
        (policy: Policy(name: section.name, allow: section.allow, deny: section.deny), identities: section.identities.map(Identity.init))
    }
    if let set = try? PolicySet(admin: Identity(config.adminIdentity), policies: policies) {
        for section in config.policies {
            for path in section.allow + section.deny {
                _ = set.authorize(Identity("fuzz"), path: path[...])
            }
        }
    }
    return 0
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzzConfig)
    }
}
