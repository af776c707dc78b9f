import HTTPCodec

/// The web console's static files, compiled into the binary (`Console/` in this target, embedded by SwiftPM):
/// `/` (and `/login`, `/index.html`), `/app.js`, `/app.css`. They need no login; every API call the page makes does.
enum Console {
    /// The file for `segments` (the request path), or nil when it is not one of the console's.
    static func response(for segments: [String], method: String) -> HTTPResponse? {
        let file: (bytes: [UInt8], type: String)
        switch segments {
        case [], ["index.html"], ["login"]: file = (PackageResources.index_html, "text/html; charset=utf-8")
        case ["app.js"]: file = (PackageResources.app_js, "text/javascript; charset=utf-8")
        case ["app.css"]: file = (PackageResources.app_css, "text/css; charset=utf-8")
        default: return nil
        }
        guard method == "GET" || method == "HEAD" else { return ManagementError.methodNotAllowed(method).response }
        return HTTPResponse(
            status: .ok,
            headers: [
                ("Content-Type", file.type), ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:"),
            ],
            body: file.bytes)
    }
}
