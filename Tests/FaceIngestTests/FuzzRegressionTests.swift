import FuzzTargets
import Foundation
import XCTest

/// The fuzz targets on their regression inputs (Fixtures/fuzz/TARGET/): a valid example each target must accept (so
/// the harness reaches the reader at all), and hostile inputs each must reject with an error, never a trap: empty
/// files, sizes that overflow, nesting 10,000 deep, truncated images, 100,000 × 100,000 pixel claims. Crashes that
/// `scripts/fuzz.sh` finds are added here.
final class FuzzRegressionTests: XCTestCase {
    func testEveryReaderAcceptsItsExampleAndRejectsHostileInputs() throws {
        let root = try XCTUnwrap(Bundle.module.url(forResource: "fuzz", withExtension: nil, subdirectory: "Fixtures"))
        let folders = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        XCTAssertEqual(Set(folders), Set(FuzzTarget.allCases.map(\.rawValue)), "one fixture folder per fuzz target")
        for name in folders {
            let target = try XCTUnwrap(FuzzTarget(rawValue: name), name)
            let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(name).path).sorted()
            XCTAssertTrue(files.contains { $0.hasPrefix("valid-") }, "\(name): no valid example")
            for file in files {
                let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent(name).appendingPathComponent(file)))
                let accepted = target.run(bytes)
                if file.hasPrefix("valid-") {
                    XCTAssertTrue(accepted, "\(name)/\(file): a valid input was rejected")
                } else if target != .captionText {  // any text is a caption
                    XCTAssertFalse(accepted, "\(name)/\(file): a hostile input was accepted")
                }
            }
        }
    }
}
