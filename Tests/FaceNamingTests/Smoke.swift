import Testing
import FaceNaming
@Test func placeholder() {}
