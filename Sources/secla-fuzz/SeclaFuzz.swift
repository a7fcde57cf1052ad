// `secla-fuzz`: the fuzz targets (Sources/FuzzTargets) as one program.
//
// Built by scripts/fuzz.sh with libFuzzer (-sanitize=fuzzer,address and -D SECLA_LIBFUZZER), it fuzzes the target
// named by $SECLA_FUZZ_TARGET. Built normally it replays inputs, which is how a crash is reproduced:
//     swift run secla-fuzz image crash-1234        (exit status 0: every input handled without a trap)

import FuzzTargets
import Foundation

#if SECLA_LIBFUZZER
let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["SECLA_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("secla-fuzz: set SECLA_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    fuzzTarget.run(bytes)
    return 0
}

// libFuzzer's driver, started from the entry point SwiftPM gives an executable target (it links `main` to
// `<module>_main`, so libFuzzer's own `main` is not used).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("secla_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc, arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
}
#else
@main
struct SeclaFuzz {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count >= 2 else {
            print("usage: secla-fuzz TARGET FILE...   (replays inputs; targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            print("fuzzing itself: bash scripts/fuzz.sh (docs/reliability.md)")
            exit(arguments.isEmpty ? 0 : 2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot be read")
                exit(1)
            }
            print("\(path): \(target.run([UInt8](data)) ? "accepted" : "rejected with an error")")
        }
    }
}
#endif
