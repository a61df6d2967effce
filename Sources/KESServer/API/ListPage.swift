import KESCore
import KESKeyStore

/// A list response page (docs/compatibility.md, "Lists"): names sorted, at most 1,000 of them and at most
/// `byteBudget` bytes, and `continue_at` a continuation token for the next page (docs/formats.md,
/// "List continuation tokens"), which Go clients send back as the list argument.
enum ListPage {
    static let limit = 1000
    /// Go clients refuse list responses over 1 MiB. Key names are at most 80 bytes, so 1,000 of them never
    /// reach this; policy names and identities come from the config file and may be longer.
    static let byteBudget = 256 << 10

    static func json(field: String, names: [String], list: ListArgument) -> APIResponse {
        let page = KeyListPage(allNames: names, prefix: list.prefix, startingAt: list.start, limit: limit)
        return json(field: field, page: page, prefix: list.prefix)
    }

    static func json(field: String, page: KeyListPage, prefix: String) -> APIResponse {
        let page = fitted(page)
        var json = JSONWriter(capacity: 96 + page.names.count * 24)
        json.beginObject()
        json.key(field)
        json.beginArray()
        for name in page.names { json.string(name) }
        json.endArray()
        json.field("continue_at", page.continueAt.isEmpty ? "" : ListArgument(prefix: prefix, start: page.continueAt).token)
        json.endObject()
        return .json(json)
    }

    /// Ends the page early when its names would pass the byte budget; a page keeps at least one name so
    /// that paging always moves on.
    static func fitted(_ page: KeyListPage) -> KeyListPage {
        var size = 0
        for (index, name) in page.names.enumerated() {
            size += escapedSize(name) + 3
            if size > byteBudget, index > 0 {
                return KeyListPage(names: Array(page.names[..<index]), continueAt: name)
            }
        }
        return page
    }

    /// The length of a name as a JSON string body: quotes and backslashes double, control bytes become `\u00XX`.
    private static func escapedSize(_ name: String) -> Int {
        name.utf8.reduce(0) { size, byte in
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): size + 2
            case 0..<0x20: size + 6
            default: size + 1
            }
        }
    }
}
