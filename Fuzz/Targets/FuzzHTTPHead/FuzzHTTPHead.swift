import FuzzSupport
import KESCore
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import KESServer

// Untrusted bytes from a connection, after TLS: through NIO's HTTPRequestDecoder, configured
// as the server configures it, into RequestInProgress.intake, which decodes the path, picks
// the route and splits off its argument. The input is also taken whole as a request target, to
// reach decodedPath and Route.match with bytes the decoder would refuse.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPHead(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    checkPath(String(decoding: bytes, as: UTF8.self))

    let channel = EmbeddedChannel()
    try! channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
    // A malformed stream throws from here; the parts decoded before it still count.
    _ = try? channel.writeInbound(ByteBuffer(bytes: bytes))
    while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
        if case .head(let head) = part { checkHead(head) }
    }
    _ = try? channel.finish(acceptAlreadyClosed: true)
    return 0
}

private func checkPath(_ uri: String) {
    guard let path = RequestInProgress.decodedPath(uri) else {
        require(uri.utf8.contains(UInt8(ascii: "%")), "a path without escapes failed to decode")
        return
    }
    if !uri.utf8.contains(UInt8(ascii: "%")) {
        let end = uri.utf8.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? uri.utf8.endIndex
        require(path.utf8.elementsEqual(uri.utf8[..<end]), "query or fragment not stripped")
    }
    checkRoute(path)
}

private func checkRoute(_ path: Substring) {
    guard let (route, argument) = Route.match(path) else { return }
    let argumentBytes = Array(argument.utf8)
    let pathBytes = Array(path.utf8)
    require(
        pathBytes.count >= argumentBytes.count && pathBytes.suffix(argumentBytes.count).elementsEqual(argumentBytes),
        "the argument is not the end of the path")
    let prefix = String(decoding: pathBytes.dropLast(argumentBytes.count), as: UTF8.self)
    if argumentBytes.isEmpty {
        require(
            prefix == route.path || (route.isPrefix && prefix + "/" == route.path) || route.aliases.contains(prefix),
            "path \(prefix) reached route \(route.path)")
    } else {
        require(route.isPrefix && prefix == route.path, "argument on a route that takes none")
    }
    // Whatever the argument holds, validating it must not trap.
    switch route.argument {
    case .name: _ = try? Arguments.validateName(argument)
    case .listPrefix: _ = try? Arguments.listPrefix(argument)
    case .none: break
    }
}

private func checkHead(_ head: HTTPRequestHead) {
    checkPath(head.uri)
    let request = RequestInProgress.intake(head)
    guard let route = request.route else {
        require(request.rejection != nil, "a request without a route is not rejected")
        return
    }
    guard let (matched, argument) = Route.match(request.path) else {
        fatalError("invariant violated: intake chose a route that match does not find")
    }
    require(matched === route && argument == request.argument, "intake and match disagree")
    if !route.accepts(head.method) {
        // An HTTP/1.1 request without Host is refused before its method is looked at.
        let missingHost = head.version == .http1_1 && !head.headers.contains(name: "host")
        require(
            request.rejection?.error.status == (missingHost ? .badRequest : .methodNotAllowed), "a wrong method is not rejected")
    }
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzzHTTPHead)
    }
}
