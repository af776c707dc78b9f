/// What an fd registered with an event loop's selector belongs to, and the id that makes its events unambiguous.
struct Registration {
    enum Owner {
        case connection(TCPConnection)
        case listener(ListenerChannel)
        /// An outbound socket whose connect is in progress.
        case connector(TCPConnector)
    }

    let id: UInt32
    let owner: Owner
}
