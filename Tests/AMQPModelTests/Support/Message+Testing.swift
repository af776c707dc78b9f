@testable import AMQPModel

extension Message {
    var bodyString: String { String(decoding: body, as: UTF8.self) }
}
