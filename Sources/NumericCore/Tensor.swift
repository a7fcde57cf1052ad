// Dense Float32 tensors: row-major, shape-checked, backed by a reference-counted buffer.
//
// A `Tensor` is a shape plus a window (`offset`, `count`) into a `TensorStorage`. Like a PyTorch tensor it has
// reference semantics for its elements: views (`reshaped`, parameter views, memory-mapped file contents) share the
// buffer, and only the optimiser and the operation that creates a tensor write into it. Copy with `copy()`.
//
// Shape errors inside the library are programming errors and stop the program with a message naming both shapes
// (like an out-of-range array index). Data that comes from a user (files, command-line options) is validated by the
// readers before it becomes a tensor and is reported as a thrown error instead; see `Tensor(validatingShape:data:)`.

import Foundation

/// A contiguous Float32 buffer: either owned (allocated here) or borrowed from an owner such as a memory map.
public final class TensorStorage: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let count: Int
    private let owner: AnyObject?

    /// Allocates `count` floats, all zero.
    public init(zeros count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
        self.count = count
        owner = nil
    }

    /// Allocates `count` floats without initialising them; the caller must write every element before reading.
    public init(uninitialized count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        base = .allocate(capacity: max(count, 1))
        self.count = count
        owner = nil
    }

    /// Wraps memory owned by `owner` (kept alive as long as this storage is).
    public init(borrowing base: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        self.base = base
        self.count = count
        self.owner = owner
    }

    deinit {
        if owner == nil { base.deallocate() }
    }
}

/// The error thrown when user-supplied data does not fit a shape.
public struct ShapeError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Stops with a message naming the offending shapes. Used for programming errors only (see the file comment).
@inline(__always)
func shapeCheck(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { preconditionFailure("shape error: " + message(), file: file, line: line) }
}

/// Formats a shape the way PyTorch prints it: `[2, 3]`.
public func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let storage: TensorStorage
    public let offset: Int
    /// Number of elements (product of `shape`; 1 for a scalar of shape []).
    public let count: Int

    public var rank: Int { shape.count }
    /// First pointer of this tensor's elements.
    public var pointer: UnsafeMutablePointer<Float> { storage.base + offset }

    /// A view into `storage`; used by parameter stores and file readers.
    public init(shape: [Int], storage: TensorStorage, offset: Int = 0) {
        let n = Tensor.elementCount(shape)
        shapeCheck(offset >= 0 && offset + n <= storage.count,
                   "view \(describe(shape)) at offset \(offset) does not fit a buffer of \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.offset = offset
        self.count = n
    }

    /// A new tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(zeros: Tensor.elementCount(shape)))
    }

    /// A new tensor whose elements the caller writes before reading (outputs of sgemm with beta 0, for example).
    public init(uninitialized shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(uninitialized: Tensor.elementCount(shape)))
    }

    public init(shape: [Int], repeating value: Float) {
        self.init(uninitialized: shape)
        pointer.update(repeating: value, count: count)
    }

    /// Copies `data` (row-major) into a new tensor. `data.count` must equal the product of `shape`.
    public init(shape: [Int], data: [Float]) {
        let n = Tensor.elementCount(shape)
        shapeCheck(data.count == n, "\(data.count) values given for shape \(describe(shape)) (\(n) elements)")
        self.init(uninitialized: shape)
        data.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: n) }
    }

    /// Like `init(shape:data:)` but throws instead of stopping; for data that came from a user.
    public init(validatingShape shape: [Int], data: [Float]) throws {
        if let bad = shape.first(where: { $0 < 0 }) { throw ShapeError("negative dimension \(bad) in shape \(describe(shape))") }
        guard let n = Tensor.checkedElementCount(shape) else { throw ShapeError("shape \(describe(shape)) has too many elements") }
        guard data.count == n else {
            throw ShapeError("\(data.count) values given for shape \(describe(shape)) (\(n) elements)")
        }
        self.init(shape: shape, data: data)
    }

    /// A 1-element tensor of shape [].
    public static func scalar(_ value: Float) -> Tensor { Tensor(shape: [], data: [value]) }

    public static func elementCount(_ shape: [Int]) -> Int {
        guard let n = checkedElementCount(shape) else { preconditionFailure("shape error: invalid shape \(describe(shape))") }
        return n
    }

    /// The product of the dimensions, or nil when a dimension is negative or the product overflows.
    public static func checkedElementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return n
    }

    /// The same elements under another shape with the same element count (a view, no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        shapeCheck(Tensor.elementCount(newShape) == count,
                   "cannot reshape \(describe(shape)) (\(count) elements) to \(describe(newShape))")
        return Tensor(shape: newShape, storage: storage, offset: offset)
    }

    /// Rows `range` of a tensor of rank ≥ 1, as a view.
    public func rows(_ range: Range<Int>) -> Tensor {
        shapeCheck(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                   "rows \(range) out of bounds for \(describe(shape))")
        let rowSize = shape.dropFirst().reduce(1, *)
        return Tensor(shape: [range.count] + shape.dropFirst(), storage: storage, offset: offset + range.lowerBound * rowSize)
    }

    /// A deep copy with its own buffer.
    public func copy() -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// The elements in row-major order.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The single element of a 1-element tensor.
    public var item: Float {
        shapeCheck(count == 1, "item of a tensor with \(count) elements \(describe(shape))")
        return pointer[0]
    }

    /// Element at a multi-index (checked; for tests and small inspections, not for inner loops).
    public subscript(_ index: Int...) -> Float {
        get { pointer[flatIndex(index)] }
        nonmutating set { pointer[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        shapeCheck(index.count == rank, "index \(index) has \(index.count) components for rank-\(rank) \(describe(shape))")
        var flat = 0
        for (i, d) in zip(index, shape) {
            shapeCheck(i >= 0 && i < d, "index \(index) out of bounds for \(describe(shape))")
            flat = flat * d + i
        }
        return flat
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// Whether any element is NaN or ±Inf.
    public var hasNonFinite: Bool {
        let p = pointer
        for i in 0..<count where !p[i].isFinite { return true }
        return false
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = count <= 8 ? array.map { "\($0)" }.joined(separator: ", ")
            : (array.prefix(4).map { "\($0)" } + ["…"] + array.suffix(2).map { "\($0)" }).joined(separator: ", ")
        return "Tensor(\(describe(shape)), [\(shown)])"
    }
}
