import NumericCore
enum Assignment { static func assignNames(scores: [[Double]], isNoName: [Bool]) -> [Int] { fatalError("stub") } }
enum NPZ { static func read(_ path: String) throws -> [(name: String, array: NumericArray)] { fatalError("stub") } }
