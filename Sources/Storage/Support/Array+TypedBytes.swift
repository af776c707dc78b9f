extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `StorageError` (`Array.withUnsafeBytes` only rethrows untyped).
    func withTypedBytes<R>(_ body: (UnsafeRawBufferPointer) throws(StorageError) -> R) throws(StorageError) -> R {
        let result: Result<R, StorageError> = withUnsafeBytes { p in Result { () throws(StorageError) in try body(p) } }
        return try result.get()
    }
}
