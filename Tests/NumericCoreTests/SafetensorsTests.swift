// The safetensors reader and writer: a file written by the Python library (Fixtures/python.safetensors, made by
// scripts/fixtures/make_npy_fixtures.py), round trips, parameter stores, and hand-made damaged headers.

import Foundation
import Testing
@testable import NumericCore

/// A safetensors file from a header text and a data section, without the writer's checks.
func safetensorsBytes(_ header: String, data: [UInt8] = []) -> [UInt8] {
    let h = Array(header.utf8)
    return (0..<8).map { UInt8(truncatingIfNeeded: UInt64(h.count) >> (8 * UInt64($0))) } + h + data
}

@Suite struct SafetensorsReadTests {
    @Test func fileWrittenByPython() throws {
        let path = try fixturePath("python.safetensors")
        let file = try Safetensors.read(path: path)
        // The Python library orders the data by alignment, then name.
        #expect(file.names == ["steps", "scale", "bias", "weight", "half"])
        #expect(file.metadata == ["format": "pt", "note": "quote \" backslash \\ newline \n unicode é"])

        let weight = try #require(file["weight"])
        #expect(weight.dtype == .F32)
        #expect(weight.shape == [3, 2])
        #expect(try weight.array.floatTensor().array == [1.5, -2.0, 0.25, 4.0, -0.125, 8.0])
        #expect(try file.floatTensor("bias").array == [0.5, -0.5])

        let steps = try #require(file["steps"])
        #expect(steps.dtype == .I64)
        #expect(try steps.array.int64Array() == [3, -4])

        let scale = try #require(file["scale"])
        #expect(scale.dtype == .F64)
        #expect(scale.shape == [])
        #expect(try scale.array.doubleArray() == [0.1])

        let half = try #require(file["half"])
        #expect(half.dtype == .F16)
        #expect(half.array.elementType == .float32)
        #expect(try half.array.floatTensor().array == [1.0, -0.5, 65504.0, 6.103515625e-05, 5.960464477539063e-08])

        expectFormatError(.mismatch, "python.safetensors", "tensor 'nope'", "no such tensor") { _ = try file.floatTensor("nope") }
        expectFormatError(.mismatch, "tensor 'steps'", "field 'dtype'", "holds int64") { _ = try file.floatTensor("steps") }
    }

    @Test func float32IsBorrowedFromTheMapping() throws {
        let mapped = try MappedFile(path: try fixturePath("python.safetensors"))
        let file = try Safetensors.decode(mapped)
        let base = try #require(mapped.bytes.baseAddress)
        let headerLength = Int(mapped.bytes.littleEndian(UInt64.self, at: 0))
        #expect(headerLength % 8 == 0)
        let weight = try file.floatTensor("weight")
        #expect(UnsafeRawPointer(weight.pointer) == base + 8 + headerLength + 32)
    }

    @Test func halfAndBFloat16Conversion() throws {
        // F16: 1, -2, +inf, smallest subnormal, largest subnormal, -0; BF16: 1, -3.5, NaN.
        let f16: [UInt16] = [0x3C00, 0xC000, 0x7C00, 0x0001, 0x03FF, 0x8000]
        let bf16: [UInt16] = [0x3F80, 0xC060, 0x7FC0]
        let data = (f16 + bf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let bytes = safetensorsBytes("""
            {"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[12,18]}}
            """, data: data)
        let file = try Safetensors.decode(bytes)
        let h = try file.floatTensor("h").array
        #expect(h.map(\.bitPattern) == [Float(1), -2, .infinity, 0x1p-24, 1023 * 0x1p-24, -0.0].map(\.bitPattern))
        let b = try file.floatTensor("b").array
        #expect(b[0] == 1 && b[1] == -3.5 && b[2].isNaN)
        // All 65536 half values against the standard library's conversion, where the platform has Float16.
        #if arch(arm64) || (os(Linux) && arch(x86_64))
        var mismatches = [UInt16]()
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits)), got = Safetensors.floatFromHalf(bits)
            if expected.bitPattern != got.bitPattern && !(expected.isNaN && got.isNaN) { mismatches.append(bits) }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
        #endif
    }
}

@Suite struct SafetensorsWriteTests {
    @Test func roundTripKeepsNamesOrderValuesAndMetadata() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("m.safetensors")
        let tensors: [(name: String, tensor: Tensor)] = [
            ("z.last", Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])),
            ("a \"quoted\" name/é", Tensor.scalar(-0.5)),
            ("empty", Tensor(zeros: [0, 5])),
            ("odd", Tensor(shape: [3], data: [7, 8, 9])),
        ]
        let metadata = ["epoch": "3", "tricky": "line\nbreak \"q\" \\ tab\t ctrl\u{01} ünï €", "": "empty key"]
        try Safetensors.write(tensors, metadata: metadata, to: path)
        #expect(dir.contents == ["m.safetensors"])

        let file = try Safetensors.read(path: path)
        #expect(file.names == tensors.map(\.name))  // same dtype: the order given
        #expect(file.metadata == metadata)
        for (name, tensor) in tensors {
            let read = try file.floatTensor(name)
            #expect(read.shape == tensor.shape)
            #expect(read.array == tensor.array)
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Int(bytes.withUnsafeBytes { $0.littleEndian(UInt64.self, at: 0) }) % 8 == 0)
        #expect(bytes == (try Safetensors.encode(tensors.map { (name: $0.name, array: NumericArray($0.tensor)) }, metadata: metadata)))
    }

    @Test func mixedElementTypesAreOrderedBySizeAndStayAligned() throws {
        let arrays: [(name: String, array: NumericArray)] = [
            ("flags", try NumericArray(shape: [3], storage: .bool([true, false, true]))),
            ("f32", NumericArray(Tensor(shape: [3], data: [1, 2, 3]))),
            ("ids", try NumericArray(shape: [2], storage: .int64([5, -6]))),
            ("bytes", try NumericArray(shape: [1], storage: .uint8([200]))),
            ("i32", try NumericArray(shape: [1], storage: .int32([-7]))),
            ("f64", try NumericArray(shape: [1], storage: .float64([2.5]))),
        ]
        let file = try Safetensors.decode(try Safetensors.encode(arrays))
        #expect(file.names == ["ids", "f64", "f32", "i32", "flags", "bytes"])
        #expect(file.entries.map(\.dtype) == [.I64, .F64, .F32, .I32, .BOOL, .U8])
        #expect(try file["flags"]?.array.boolArray() == [true, false, true])
        #expect(try file["ids"]?.array.int64Array() == [5, -6])
        #expect(try file["bytes"]?.array.int64Array() == [200])
        #expect(try file["i32"]?.array.int64Array() == [-7])
        #expect(try file["f64"]?.array.doubleArray() == [2.5])
        #expect(try file.floatTensor("f32").array == [1, 2, 3])
    }

    @Test func encodingIsDeterministic() throws {
        let t = [(name: "w", array: NumericArray(Tensor(shape: [2], data: [1, 2])))]
        var a = [String: String](), b = [String: String]()
        for i in 0..<20 { a["k\(i)"] = "v\(i)" }
        for i in (0..<20).reversed() { b["k\(i)"] = "v\(i)" }
        #expect(try Safetensors.encode(t, metadata: a) == Safetensors.encode(t, metadata: b))
        // Metadata only, no tensors, is still a valid file.
        let onlyMetadata = try Safetensors.decode(try Safetensors.encode([], metadata: ["k": "v"]))
        #expect(onlyMetadata.names.isEmpty && onlyMetadata.metadata == ["k": "v"])
        #expect(try Safetensors.decode(try Safetensors.encode([])).names.isEmpty)
    }

    @Test func writerRejectsBadNames() throws {
        let dir = try TemporaryDirectory()
        let t = Tensor(shape: [1], data: [1])
        expectFormatError(.mismatch, "tensor 'w'", "given twice") {
            try Safetensors.write([("w", t), ("w", t)], to: dir.file("x.safetensors"))
        }
        expectFormatError(.mismatch, "reserved") { try Safetensors.write([("__metadata__", t)], to: dir.file("x.safetensors")) }
        #expect(dir.contents.isEmpty)
    }

    /// Writes files for scripts/check_safetensors_roundtrip.py when SECLA_WRITE_ST_CHECK is set (see its docstring).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SECLA_WRITE_ST_CHECK"] != nil))
    func writeFileForThePythonCheck() throws {
        let store = ParameterStore([ParameterSpec("proj.weight", [3, 4]), ParameterSpec("proj.bias", [3]),
                                    ParameterSpec("logit_scale", [])])
        for i in 0..<store.count { store.values.base[i] = Float(i) * 0.25 - 1 }
        try Safetensors.write(store, metadata: ["written_by": "secla SafetensorsWriteTests", "quote": "a \"b\" \\ c\nd é"],
                              to: "/tmp/secla-st-check.safetensors")
        try Safetensors.write(arrays: [
            ("mask", try NumericArray(shape: [2, 2], storage: .bool([true, false, false, true]))),
            ("ids", try NumericArray(shape: [3], storage: .int64([-1, 0, 1 << 40]))),
            ("w", NumericArray(Tensor(shape: [1, 3], data: [0.5, -1.5, 2.5]))),
            ("pixels", try NumericArray(shape: [3], storage: .uint8([0, 128, 255]))),
            ("counts", try NumericArray(shape: [2], storage: .int32([-7, 7]))),
            ("scale", try NumericArray(shape: [], storage: .float64([0.1]))),
        ], metadata: ["kind": "mixed dtypes"], to: "/tmp/secla-st-check-mixed.safetensors")
    }
}

@Suite struct SafetensorsParameterStoreTests {
    static func makeStore() -> ParameterStore {
        ParameterStore([ParameterSpec("layer.weight", [2, 3]), ParameterSpec("layer.bias", [2]), ParameterSpec("temperature", [])])
    }

    @Test func storeRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let source = Self.makeStore()
        for i in 0..<source.count { source.values.base[i] = Float(i) + 0.5 }
        try Safetensors.write(source, metadata: ["step": "10"], to: dir.file("p.safetensors"))

        let file = try Safetensors.read(path: dir.file("p.safetensors"))
        #expect(file.names == source.names)
        let target = Self.makeStore()
        let loaded = try Safetensors.load(into: target, from: dir.file("p.safetensors"))
        #expect(loaded.metadata == ["step": "10"])
        #expect(target.flatValues.array == source.flatValues.array)
        #expect(target.value("layer.bias").array == [6.5, 7.5])
    }

    @Test func loadAcceptsOtherFloatTypesAndAnyOrder() throws {
        let dir = try TemporaryDirectory()
        let arrays: [(name: String, array: NumericArray)] = [
            ("temperature", try NumericArray(shape: [], storage: .float64([0.07]))),
            ("layer.bias", NumericArray(Tensor(shape: [2], data: [1, 2]))),
            ("layer.weight", NumericArray(Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]))),
        ]
        try Safetensors.write(arrays: arrays, to: dir.file("p.safetensors"))
        let store = Self.makeStore()
        try Safetensors.load(into: store, from: dir.file("p.safetensors"))
        #expect(store.value("temperature").item == Float(0.07))
        #expect(store.value("layer.weight").array == [1, 2, 3, 4, 5, 6])
    }

    @Test func loadErrorsNameFileTensorAndShapesAndLeaveTheStoreUnchanged() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("p.safetensors")
        let weight = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), bias = Tensor(shape: [2], data: [1, 2])
        let store = Self.makeStore()
        store.values.base.update(repeating: 42, count: store.count)

        try Safetensors.write([("layer.weight", weight)], to: path)
        expectFormatError(.mismatch, path, "2 parameter(s) missing", "'layer.bias'", "'temperature'") {
            try Safetensors.load(into: store, from: path)
        }

        try Safetensors.write([("layer.weight", weight), ("layer.bias", bias), ("temperature", .scalar(1)),
                               ("extra.weight", .scalar(2))], to: path)
        expectFormatError(.mismatch, path, "tensor 'extra.weight'", "not parameters of the model", "allowExtraTensors") {
            try Safetensors.load(into: store, from: path)
        }
        #expect(store.flatValues.array.allSatisfy { $0 == 42 })
        try Safetensors.load(into: store, from: path, allowExtraTensors: true)
        #expect(store.value("temperature").item == 1)

        store.values.base.update(repeating: 42, count: store.count)
        try Safetensors.write([("layer.weight", weight.reshaped([3, 2])), ("layer.bias", bias), ("temperature", .scalar(1))],
                              to: path)
        expectFormatError(.mismatch, path, "tensor 'layer.weight'", "field 'shape'", "expected [2, 3], found [3, 2]") {
            try Safetensors.load(into: store, from: path)
        }
        #expect(store.flatValues.array.allSatisfy { $0 == 42 })

        try Safetensors.write(arrays: [("layer.weight", NumericArray(weight)), ("layer.bias", NumericArray(bias)),
                                       ("temperature", try NumericArray(shape: [], storage: .int64([1])))], to: path)
        expectFormatError(.mismatch, path, "tensor 'temperature'", "holds int64") { try Safetensors.load(into: store, from: path) }
        #expect(store.flatValues.array.allSatisfy { $0 == 42 })
    }
}

@Suite struct SafetensorsRejectionTests {
    let f32 = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    let eight: [UInt8] = [0, 0, 128, 63, 0, 0, 0, 64]

    func decode(_ header: String, _ data: [UInt8]) throws { _ = try Safetensors.decode(safetensorsBytes(header, data: data), label: "c.st") }

    @Test func wellFormedBaseline() throws {
        #expect(try Safetensors.decode(safetensorsBytes(f32, data: eight)).floatTensor("w").array == [1, 2])
    }

    @Test func lengthField() {
        expectFormatError(.truncated, "s.st", "too short (5 bytes)") { _ = try Safetensors.decode([1, 2, 3, 4, 5], label: "s.st") }
        var bytes = safetensorsBytes(f32, data: eight)
        bytes[0] &+= 100
        expectFormatError(.truncated, "announces", "truncated, or not a safetensors file") { _ = try Safetensors.decode(bytes) }
        bytes.replaceSubrange(0..<8, with: [UInt8](repeating: 0xFF, count: 8))
        expectFormatError(.truncated, "announces 18446744073709551615 bytes") { _ = try Safetensors.decode(bytes) }
    }

    @Test func headerJSON() {
        expectFormatError(.corrupt, "c.st", "does not start with '{'") { try decode(#"["w"]"#, []) }
        expectFormatError(.corrupt, "does not start with '{'") { try decode("", []) }
        expectFormatError(.corrupt, "not valid JSON") { try decode(#"{"w": }"#, []) }
        expectFormatError(.corrupt, "not valid JSON") { try decode("{\"w\":\"\u{1}\"}", []) }
        expectFormatError(.corrupt, "not valid JSON") { try decode("{\"w\u{FF}", []) }
        expectFormatError(.corrupt, "not valid JSON") { try decode("{" + String(repeating: "[", count: 100_000), []) }
        expectFormatError(.corrupt, "tensor 'w'", "must be an object, found a number") { try decode(#"{"w": 3}"#, []) }
        expectFormatError(.corrupt, "field '__metadata__'", "value of 'k' must be a string") {
            try decode(#"{"__metadata__": {"k": 1}}"#, [])
        }
        expectFormatError(.corrupt, "field '__metadata__'", "must be an object") { try decode(#"{"__metadata__": []}"#, []) }
    }

    @Test func tensorFields() {
        expectFormatError(.corrupt, "c.st", "tensor 'w'", "field 'dtype'", "missing") {
            try decode(#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "tensor 'w'", "field 'dtype'", "must be a string") {
            try decode(#"{"w":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.unsupported, "tensor 'w'", "field 'dtype'", "'F8_E4M3' is not supported", "F32") {
            try decode(#"{"w":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "tensor 'w'", "field 'shape'", "missing") {
            try decode(#"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "tensor 'w'", "field 'shape'", "non-negative integers, found -2") {
            try decode(#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "field 'shape'", "found 1.5") {
            try decode(#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "field 'shape'", "found true") {
            try decode(#"{"w":{"dtype":"F32","shape":[true],"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "field 'shape'", "found \"2\"") {
            try decode(#"{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "field 'shape'", "found an object") {
            try decode(#"{"w":{"dtype":"F32","shape":{},"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "field 'shape'", "more elements than fit") {
            try decode(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "field 'shape'", "too large for F32") {
            try decode(#"{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "field 'data_offsets'", "must be an array of non-negative integers") {
            try decode(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}}"#, eight)
        }
        expectFormatError(.corrupt, "field 'data_offsets'", "must be [begin, end], found 3") {
            try decode(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}"#, eight)
        }
        expectFormatError(.corrupt, "field 'data_offsets'", "begin 8 is after end 0") {
            try decode(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, eight)
        }
        expectFormatError(.corrupt, "tensor 'w'", "field 'data_offsets'", "span 4 bytes", "needs 8") {
            try decode(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, eight)
        }
        expectFormatError(.truncated, "tensor 'w'", "field 'data_offsets'", "beyond the data section (4 bytes") {
            try decode(f32, Array(eight.prefix(4)))
        }
    }

    @Test func layoutOfTheDataSection() {
        let two = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#
        expectFormatError(.corrupt, "tensor 'b'", "overlaps tensor 'a'") { try decode(two, Array(eight.prefix(6))) }
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[6,10]}}"#
        expectFormatError(.corrupt, "tensor 'b'", "gap of 2 bytes", "after tensor 'a'") { try decode(gap, eight + [0, 0]) }
        let late = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        expectFormatError(.corrupt, "tensor 'a'", "gap of 4 bytes", "start of the data section") { try decode(late, eight) }
        expectFormatError(.corrupt, "3 bytes after the last tensor") { try decode(f32, eight + [1, 2, 3]) }
        let bools = #"{"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}"#
        expectFormatError(.corrupt, "tensor 'm'", "bool element 1 has byte value 7") { try decode(bools, [1, 7]) }
    }

    @Test func truncatedAndMutatedFilesNeverTrap() throws {
        let full = try fixtureBytes("python.safetensors")
        for n in 0..<full.count {
            #expect(throws: FormatError.self) { _ = try Safetensors.decode(Array(full.prefix(n))) }
        }
        for i in 0..<full.count {
            for value: UInt8 in [0x00, 0x22, 0x2C, 0x2D, 0x5B, 0x5D, 0x7B, 0xFF] where value != full[i] {
                var bytes = full
                bytes[i] = value
                _ = try? Safetensors.decode(bytes)
            }
        }
    }
}
