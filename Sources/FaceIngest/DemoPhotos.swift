// The photos `secla demo` names and the captions the project wrote for them.
//
// The photos are White House photos (works of the US federal government, public domain) shipped as test images in
// the source archive of the MIT-licensed `face_recognition` 1.3.0 on PyPI; `scripts/fetch-demo-photos.sh` fetches
// them (and checks their SHA-256). The captions are ours, written from the photos' EXIF descriptions: they name more
// people than each photo shows, as news captions do, so a name has to be earned from the other photos.

import Foundation

public enum DemoPhotos {
    public struct Photo: Sendable {
        public var file: String
        public var caption: String
        /// Who the one face in the photo is: the demo's own check, not given to the method.
        public var person: String
    }

    public static let photos = [
        Photo(file: "obama.jpg", caption: "President Barack Obama poses for his official portrait in the Oval Office, Dec. 6, 2012.",
              person: "Barack Obama"),
        Photo(file: "obama_partial_face.jpg", caption: "A cropped print of President Barack Obama's official portrait.",
              person: "Barack Obama"),
        Photo(file: "obama2.jpg", caption: "President Barack Obama delivers a health care address to a joint session of Congress at the U.S. Capitol, Sept. 9, 2009; Vice President Joe Biden sits behind him.",
              person: "Barack Obama"),
        Photo(file: "obama3.jpg", caption: "President Barack Obama and Vice President Joe Biden stand with Elena Kagan, the solicitor general, at the White House, May 10, 2010.",
              person: "Barack Obama"),
        Photo(file: "biden.jpg", caption: "Vice President Joe Biden at the White House with President Barack Obama and Elena Kagan, the solicitor general, May 10, 2010.",
              person: "Joe Biden"),
    ]

    /// $SECLA_DEMO_DIR, else ${XDG_CACHE_HOME:-~/.cache}/secla/demo/photos (where the fetch script puts them).
    public static var defaultFolder: String {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["SECLA_DEMO_DIR"], !dir.isEmpty { return dir }
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        return (cache as NSString).appendingPathComponent("secla/demo/photos")
    }

    /// The captions sidecar (JSONL): one line per photo, with an id; names come from the caption text.
    public static func sidecar() throws -> Data {
        let lines = try photos.map { p -> String in
            let object: [String: String] = ["image": p.file, "id": (p.file as NSString).deletingPathExtension, "caption": p.caption]
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }
}
