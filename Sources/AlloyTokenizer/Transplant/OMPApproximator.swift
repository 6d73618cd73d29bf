/// `omp`: each new token's donor row is approximated by `k` shared tokens' donor rows
/// (orthogonal matching pursuit); the same coefficients on those tokens' model rows
/// give its row in the model.
struct OMPApproximator: TokenApproximator {
    let context: ApproximationContext
    let donorLandmarks: EmbeddingMatrix
    /// Row of the model's matrix for each landmark.
    let modelRows: [Int]

    init(_ context: ApproximationContext) throws {
        try context.requireShared(atLeast: context.options.k, for: .omp)
        self.context = context
        donorLandmarks = context.sharedDonorRows()
        modelRows = context.shared.map(\.modelID)
    }

    func approximate(_ targets: [Int]) throws -> EmbeddingMatrix {
        let selection = try OrthogonalMatchingPursuit.select(targets: context.donor.gathering(targets), atoms: donorLandmarks,
                                                             k: context.options.k, threads: context.options.threads)
        return selection.combine(context.model, mapping: modelRows)
    }
}
