// Atomic file replacement: the destination is either the old file or the complete new one, and failures leave
// neither a damaged destination nor a temporary file behind.

import Foundation
import Testing
@testable import NumericCore

@Suite struct AtomicWriteTests {
    func contents(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func createsAndReplacesFiles() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("out.bin")
        try writeAtomically([1, 2, 3], to: path)
        #expect(try contents(path) == [1, 2, 3])
        try writeAtomically(Data([9, 8]), to: path)
        #expect(try contents(path) == [9, 8])
        try writeAtomically([], to: path)
        #expect(try contents(path) == [])
        #expect(dir.contents == ["out.bin"])
    }

    /// Same mode as any file created with 0666 under the current umask (mkstemp's 0600 would hide files from others).
    @Test func newFilesGetTheUsualPermissions() throws {
        let dir = try TemporaryDirectory()
        try writeAtomically([1], to: dir.file("p"))
        let fd = open(dir.file("reference"), O_WRONLY | O_CREAT | O_EXCL, 0o666)
        #expect(fd >= 0)
        close(fd)
        func mode(_ name: String) throws -> Int? {
            try FileManager.default.attributesOfItem(atPath: dir.file(name))[.posixPermissions] as? Int
        }
        #expect(try mode("p") == mode("reference"))
    }

    /// A write sweeps the temporary files of writers of the same file that were killed (their process is gone), and
    /// nothing else: not a live writer's, not another file's, not a name that only looks similar.
    @Test func aWriteSweepsTheTemporaryFilesOfKilledWriters() throws {
        let dir = try TemporaryDirectory()
        let dead = Int32.max  // above any pid_max, so no such process
        let live = getpid()
        let kept = [".labels.json.\(live).abc.partial", ".other.json.\(dead).abc.partial", ".labels.json.x.abc.partial",
                    ".labels.json.\(dead).partial", ".labels.json.5.\(dead).abc.partial"]
        for name in kept + [".labels.json.\(dead).k2j3.partial"] { try writeAtomically([0], to: dir.file(name)) }
        try writeAtomically([1, 2], to: dir.file("labels.json"))
        #expect(dir.contents == (kept + ["labels.json"]).sorted())
        #expect(try contents(dir.file("labels.json")) == [1, 2])
        #expect(processExists(live) && !processExists(dead))
    }

    @Test func streamingWriter() throws {
        let dir = try TemporaryDirectory()
        try writeAtomically(to: dir.file("s")) { sink in
            for i in 0..<100 { try sink.write([UInt8(i)]) }
            #expect(sink.byteCount == 100)
        }
        #expect(try contents(dir.file("s")) == (0..<100).map(UInt8.init))
    }

    @Test func missingDirectoryFailsAndChangesNothing() throws {
        let dir = try TemporaryDirectory()
        try writeAtomically([1, 2, 3], to: dir.file("keep.bin"))
        let target = dir.file("no-such-dir/keep.bin")
        expectFormatError(.io, target, "cannot create a temporary file", dir.file("no-such-dir"), "No such file or directory") {
            try writeAtomically([4, 5, 6], to: target)
        }
        #expect(try contents(dir.file("keep.bin")) == [1, 2, 3])
        #expect(dir.contents == ["keep.bin"])
    }

    @Test func failureWhileWritingKeepsTheOldFileAndRemovesTheTemporaryFile() throws {
        struct Interrupted: Error {}
        let dir = try TemporaryDirectory()
        let path = dir.file("model.safetensors")
        try writeAtomically([1, 2, 3], to: path)
        #expect(throws: Interrupted.self) {
            try writeAtomically(to: path) { sink in
                try sink.write([7, 7, 7, 7])
                throw Interrupted()
            }
        }
        #expect(try contents(path) == [1, 2, 3])
        #expect(dir.contents == ["model.safetensors"])
    }

    @Test func destinationIsADirectory() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: false)
        try writeAtomically([1], to: dir.file("sub/inside"))
        expectFormatError(.io, dir.file("sub"), "cannot rename") { try writeAtomically([2], to: dir.file("sub")) }
        expectFormatError(.io, "names a directory") { try writeAtomically([2], to: dir.file("sub") + "/") }
        #expect(dir.contents == ["sub"])
        #expect(try contents(dir.file("sub/inside")) == [1])
    }

    @Test func readOnlyDirectory() throws {
        guard getuid() != 0 else { return }  // root may write anywhere
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("ro"), withIntermediateDirectories: false)
        try writeAtomically([1], to: dir.file("ro/f"))
        chmod(dir.file("ro"), 0o555)
        defer { chmod(dir.file("ro"), 0o755) }
        expectFormatError(.io, dir.file("ro/f"), "Permission denied") { try writeAtomically([2], to: dir.file("ro/f")) }
        #expect(try contents(dir.file("ro/f")) == [1])
    }
}
