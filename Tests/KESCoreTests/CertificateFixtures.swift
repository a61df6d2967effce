import Foundation

/// Certificates made once with openssl (`req -x509`, and `x509 -req -signkey` for the v1 one). Their identities
/// were computed with `openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum`.
enum CertificateFixtures {
    static let p256PEM = """
        -----BEGIN CERTIFICATE-----
        MIIBfTCCASOgAwIBAgIUWDKILUdjyAfyvjidPYTzwEU/NMswCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJcDI1Ni10ZXN0MB4XDTI2MTEzMDAwNTc1NFoXDTM2MTEyNzAw
        NTc1NFowFDESMBAGA1UEAwwJcDI1Ni10ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
        AQcDQgAEeQCemK2JOkpQDQbln/Zgk2gexuVYm6nJEpGSFd01/gp6JvbGpRC6M+oU
        YV0NobB2dUNugFfqVOj73CdywY4PvqNTMFEwHQYDVR0OBBYEFDEW/rPm0TMEB6Al
        YhUWr1jqgJlpMB8GA1UdIwQYMBaAFDEW/rPm0TMEB6AlYhUWr1jqgJlpMA8GA1Ud
        EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAKOZcfV6BMMokym/INmxPwlI
        QgoQ4hHFEb8mxuCXAcFiAiBANW7Lckat4RvNtXHWaYL2arRbl++LVIvKbaYYQca9
        4w==
        -----END CERTIFICATE-----
        """
    static let p256Identity = "73e0a033952d09ffbb633de828dc838b1415edfe34758eba21b3ae943b4c24cb"

    static let rsa2048PEM = """
        -----BEGIN CERTIFICATE-----
        MIIDBzCCAe+gAwIBAgIUCSURgIlp5z4FprDdLEJMjgp0P9cwDQYJKoZIhvcNAQEL
        BQAwEzERMA8GA1UEAwwIcnNhLXRlc3QwHhcNMjYxMTMwMDA1NzU1WhcNMzYxMTI3
        MDA1NzU1WjATMREwDwYDVQQDDAhyc2EtdGVzdDCCASIwDQYJKoZIhvcNAQEBBQAD
        ggEPADCCAQoCggEBAL+rXlSe8CRug1d6bzlm2CrIey/5YEMegVty2rG4HC8Goaqc
        /ay1xYDcFsjQe3qDaQXQPf7eJckPMgR202Nv/LoN/vGOMQ+YeBoDL21cyjkXPU7C
        JOluG20rJDyPJll2AO//CknY9vnnR5Nskw0CONM9V2/0BFgIefULvONJPSUCjuws
        63iG7wlY4kYERRN9t4K2gCgOwX9VVEMZVOpiHZC6UWG/1mza0Krn25xw8APWoACp
        M9p30qe4tsXgN3KJyjA2VKn45THWf3XlR2Bxd2z+HNpiyVlLamwID0vA2GdydodQ
        ZGoabhxbNe/9dLy9reunNw4frxAYpJqNwccCSCUCAwEAAaNTMFEwHQYDVR0OBBYE
        FEvio8IXoqu9QA5zTp2LywpYtP3VMB8GA1UdIwQYMBaAFEvio8IXoqu9QA5zTp2L
        ywpYtP3VMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBABxFcP1E
        R+Gyc/supgLA+X2R6S30GJHAjKmHf04TAkkFseRMMM1bvO7SKDJID/5E/6i5wpfe
        EweiKt7+CWKKjcrLy15iA5mehfmF5ktAIOGJpSY73d3uJIWUJ9yf8NLBU8ekBDeP
        3+MiQq1+6rKRsDoYfHRohlccO7u3dYmZ9KZfcQMppLJ59k31uOTLLFbtEhY1usGx
        u24kYKPlPL0CnHv3S1tewpJG6c+dbxB/E0abjb1IvgwWDVpuvfUVCRjyj4Ri5Kzk
        gBPc4wl2wGUQSnOZLaNNqr6Hm+t/s8RREmqxlkRUH5vaTDkfvTMLRktkKG/P815y
        e/aclpoSz6WajXs=
        -----END CERTIFICATE-----
        """
    static let rsa2048Identity = "e1fa32e9df3e74cf6ddb75ba5af4a1a3175161d30b1f561470ff98aa8ce35198"

    /// An X.509 v1 certificate: its TBSCertificate has no explicit [0] version field.
    static let v1P256PEM = """
        -----BEGIN CERTIFICATE-----
        MIIBEzCBuwIUIf4/q40AFWDE7l1IWP04eLm4i+YwCgYIKoZIzj0EAwIwDTELMAkG
        A1UEAwwCdjEwHhcNMjYxMTMwMDEwMjEyWhcNMzYxMTI3MDEwMjEyWjANMQswCQYD
        VQQDDAJ2MTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDcN0iNNoSHpp9L5oIv9
        Ed3Ff+bvGk3mX7uB4BtATqQBeJjXBws8zZiENlE7ILLQ2P7QBExuK92EHYiX9CpA
        /LswCgYIKoZIzj0EAwIDRwAwRAIgC/Se/xK8Zz0Q0Q5u8yZtxI4DDIOwDts63r+A
        97vFm2UCIH8AA5MapArjPuU4jSgHrHEpsjNxo4/jJp8fjwKkmWhJ
        -----END CERTIFICATE-----
        """
    static let v1P256Identity = "d47d3209820f062c7f0d4ae386f5b498615ee324067cda956acf71dd92686fe6"

    /// The DER inside a single-block PEM string.
    static func der(fromPEM pem: String) -> [UInt8] {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body) else { fatalError("bad PEM fixture") }
        return Array(data)
    }
}
