// Caption sidecars (JSONL and CSV), the placeholder caption-name rule and gold-box matching: no photos needed.

@testable import FaceIngest
import FaceNaming
import Foundation
import XCTest

final class CaptionTests: XCTestCase {
    func sidecar(_ name: String, _ text: String) throws -> String {
        let dir = try RealData.temporaryFolder("captions")
        let path = (dir as NSString).appendingPathComponent(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testCSVWithQuotedFieldsNamesAndLabels() throws {
        let path = try sidecar("c.csv", """
            image,caption,names,labels
            a.jpg,"Joe Biden, left, and Barack Obama",Joe Biden;Barack Obama,"[{""name"": ""Joe Biden"", ""box"": [1, 2, 30, 40]}]"
            sub/b.png,Ana Guevara wins.,,

            """)
        let records = try CaptionSidecar.read(path: path)
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(records[0].caption, "Joe Biden, left, and Barack Obama")
        XCTAssertEqual(records[0].names, ["Joe Biden", "Barack Obama"])
        XCTAssertEqual(records[0].labels, [.init(name: "Joe Biden", box: Box(x1: 1, y1: 2, x2: 30, y2: 40))])
        XCTAssertEqual(records[1].image, "sub/b.png")
        XCTAssertEqual(records[1].id, "sub/b.png")
        XCTAssertNil(records[1].names)
    }

    func testBadSidecarsNameTheLineAndField() throws {
        let cases: [(String, String, String)] = [
            ("a.jsonl", "{\"image\": \"a.jpg\", \"caption\": \"x\"}\n{\"caption\": \"no image\"}\n", "line 2, field 'image': missing required field"),
            ("b.jsonl", "{\"image\": \"a.jpg\"}\n{\"image\": \"a.jpg\"}\n", "line 2, field 'image': \"a.jpg\" is captioned twice (also line 1)"),
            ("c.jsonl", "{\"image\": \"a.jpg\", \"labels\": [{\"name\": \"X\", \"box\": [5, 5, 1, 1]}]}\n", "line 1, field 'labels[0].box'"),
            ("d.jsonl", "{\"image\": \"a.jpg\", \"names\": [\"NONAME\"]}\n", "field 'names[0]': NONAME is added by ingest"),
            ("e.jsonl", "not json\n", "line 1: malformed JSON"),
            ("f.csv", "picture,caption\na.jpg,x\n", "line 1, field 'image': no 'image' column"),
            ("g.csv", "image,caption\na.jpg,x,extra\n", "row 2: 3 fields for the 2 columns"),
            ("h.csv", "image,caption,labels\na.jpg,x,[oops]\n", "row 2, field 'labels"),
            ("i.txt", "image\n", "unknown caption file type '.txt'"),
            ("j.jsonl", "\n\n", "holds no caption records"),
        ]
        for (name, text, expected) in cases {
            let path = try sidecar(name, text)
            XCTAssertThrowsError(try CaptionSidecar.read(path: path), name) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(name): \(error)")
                XCTAssertTrue("\(error)".hasPrefix(path), "\(name): the message names the file: \(error)")
            }
        }
    }

    func testPlaceholderNamesFromCaptionText() {
        let cases: [(String, [String])] = [
            ("Vice President Joe Biden (L) and President Barack Obama wave from the stage.", ["Joe Biden", "Barack Obama"]),
            ("President George W. Bush talks with Tony Blair's aide in Washington. Bush said...", ["George W. Bush", "Tony Blair"]),
            ("WASHINGTON (AP) - Gov. Gray Davis, left, greets Ana Guevara on Monday.", ["Gray Davis", "Ana Guevara"]),
            ("a crowd gathers in the rain", []),
            ("Лидеры встретились в Москве", []),
            ("The White House said Ludwig van Beethoven wrote nothing.", ["Ludwig van Beethoven"]),
            ("", []),
        ]
        for (caption, expected) in cases { XCTAssertEqual(CaptionNameFinder.names(in: caption), expected, caption) }
        // A long caption is handled, and names come once each in order of first mention.
        let long = String(repeating: "Jacques Chirac met Gerhard Schroeder. ", count: 300)
        XCTAssertEqual(CaptionNameFinder.names(in: long), ["Jacques Chirac", "Gerhard Schroeder"])
    }

    func testGoldBoxesGoToTheMostOverlappingDetection() {
        let detections = [Box(x1: 0, y1: 0, x2: 10, y2: 10), Box(x1: 20, y1: 0, x2: 30, y2: 10), Box(x1: 50, y1: 50, x2: 60, y2: 60)]
        let gold = [CaptionRecord.GoldFace(name: "B", box: Box(x1: 21, y1: 1, x2: 31, y2: 11)),
                    CaptionRecord.GoldFace(name: "A", box: Box(x1: 1, y1: 0, x2: 11, y2: 10)),
                    CaptionRecord.GoldFace(name: "C", box: Box(x1: 200, y1: 200, x2: 210, y2: 210))]
        let (labels, unmatched) = matchGoldLabels(gold, detections: detections)
        XCTAssertEqual(labels, ["A", "B", noName])
        XCTAssertEqual(unmatched.map(\.name), ["C"])
    }
}
