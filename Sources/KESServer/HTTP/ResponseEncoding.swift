import NIOCore
import NIOHTTP1

/// HTTP/1.1 response bytes, written straight into one buffer.
///
/// Every response is a head and a small body, so rendering both into a single buffer lets
/// TLS seal one record and the kernel see one write; NIO's part-by-part encoder made three
/// writes and a header list per response (measured at about a tenth of a generate's CPU).
enum ResponseEncoding {
    /// `withBody: false` answers a HEAD request: the same head, Content-Length included, and no
    /// body, which a keep-alive client would otherwise read as the start of its next answer.
    static func render(_ response: APIResponse, close: Bool, withBody: Bool = true, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 160 + response.body.count)
        writeStatusLine(response.status, to: &buffer)
        if let contentType = response.contentType {
            if contentType == "application/json" {
                buffer.writeStaticString("Content-Type: application/json\r\n")
            } else {
                writeHeader("Content-Type", contentType, to: &buffer)
            }
        }
        buffer.writeStaticString("Content-Length: ")
        buffer.writeString(String(response.body.count))
        buffer.writeStaticString("\r\n")
        for (name, value) in response.extraHeaders { writeHeader(name, value, to: &buffer) }
        if close { buffer.writeStaticString("Connection: close\r\n") }
        buffer.writeStaticString("\r\n")
        if withBody { buffer.writeBytes(response.body) }
        return buffer
    }

    /// The interim answer to `Expect: 100-continue`: the client may send its body now.
    static func `continue`(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 25)
        buffer.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
        return buffer
    }

    /// The head of a streamed response. A chunked body follows as `chunk(_:allocator:)`s;
    /// otherwise (HTTP/1.0 clients) the body is raw bytes that end with the connection.
    static func streamHead(contentType: String, chunked: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 128)
        writeStatusLine(.ok, to: &buffer)
        writeHeader("Content-Type", contentType, to: &buffer)
        if chunked {
            buffer.writeStaticString("Transfer-Encoding: chunked\r\n\r\n")
        } else {
            buffer.writeStaticString("Connection: close\r\n\r\n")
        }
        return buffer
    }

    /// One chunk of a chunked body. Empty input would end the body, so it is not allowed.
    static func chunk(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        precondition(!bytes.isEmpty, "an empty chunk ends a chunked body")
        var buffer = allocator.buffer(capacity: bytes.count + 12)
        buffer.writeString(String(bytes.count, radix: 16))
        buffer.writeStaticString("\r\n")
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\r\n")
        return buffer
    }

    private static func writeStatusLine(_ status: HTTPResponseStatus, to buffer: inout ByteBuffer) {
        switch status {
        case .ok: buffer.writeStaticString("HTTP/1.1 200 OK\r\n")
        case .badRequest: buffer.writeStaticString("HTTP/1.1 400 Bad Request\r\n")
        case .forbidden: buffer.writeStaticString("HTTP/1.1 403 Forbidden\r\n")
        case .notFound: buffer.writeStaticString("HTTP/1.1 404 Not Found\r\n")
        default:
            buffer.writeStaticString("HTTP/1.1 ")
            buffer.writeString(String(status.code))
            buffer.writeStaticString(" ")
            buffer.writeString(status.reasonPhrase)
            buffer.writeStaticString("\r\n")
        }
    }

    private static func writeHeader(_ name: String, _ value: String, to buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }
}
