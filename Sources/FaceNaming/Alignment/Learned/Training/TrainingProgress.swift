// What a training loop reports after each step; the command line renders it as a progress line.

public struct TrainingProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var step: Int
    public var totalSteps: Int
    /// Image–caption pairs consumed so far.
    public var pairsDone: Int
    /// Mean loss of the current epoch so far.
    public var loss: Double
    /// Seconds since training started.
    public var seconds: Double

    public init(epoch: Int, epochs: Int, step: Int, totalSteps: Int, pairsDone: Int, loss: Double, seconds: Double) {
        self.epoch = epoch
        self.epochs = epochs
        self.step = step
        self.totalSteps = totalSteps
        self.pairsDone = pairsDone
        self.loss = loss
        self.seconds = seconds
    }

    public var pairsPerSecond: Double { seconds > 0 ? Double(pairsDone) / seconds : 0 }
    public var etaSeconds: Double { step > 0 ? seconds / Double(step) * Double(totalSteps - step) : 0 }
}
