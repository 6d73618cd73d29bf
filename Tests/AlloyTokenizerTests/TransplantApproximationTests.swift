@testable import AlloyFormat
@testable import AlloyMath
@testable import AlloyTokenizer
import Foundation
import Testing

/// Random matrices for the approximation tests.
private func randomMatrix(_ rows: Int, _ cols: Int, seed: UInt64) -> EmbeddingMatrix {
    var rng = SeededRandom(seed: seed)
    return EmbeddingMatrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in rng.nextGaussian() })
}

private func context(model: EmbeddingMatrix, donor: EmbeddingMatrix, shared: Int, method: ApproximationMethod, k: Int = 8,
                     rope: RopeGeometry? = nil) -> ApproximationContext {
    var options = TransplantOptions()
    options.method = method
    options.k = k
    options.threads = 2
    return ApproximationContext(tensorName: "t", model: model, donor: donor, shared: (0..<shared).map { ($0, $0) },
                                isLMHead: false, options: options, modelRope: rope, donorRope: rope)
}

private func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct OrthogonalMatchingPursuitTests {
    @Test func recoversAnExactSparseCombination() throws {
        let atoms = randomMatrix(40, 24, seed: 1)
        var target = [Float](repeating: 0, count: 24)
        for (index, weight) in [(3, Float(1.5)), (17, -0.7), (30, 0.25)] {
            for j in 0..<24 { target[j] += weight * atoms.values[index * 24 + j] }
        }
        let selection = try OrthogonalMatchingPursuit.select(targets: EmbeddingMatrix(rows: 1, cols: 24, values: target),
                                                             atoms: atoms, k: 3, threads: 1)
        let found = Dictionary(uniqueKeysWithValues: zip(selection.indices, selection.coefficients))
        #expect(Set(found.keys) == [3, 17, 30])
        #expect(abs(found[3]! - 1.5) < 1e-4)
        #expect(abs(found[17]! + 0.7) < 1e-4)
        #expect(abs(found[30]! - 0.25) < 1e-4)
    }

    @Test func coefficientsAreTheLeastSquaresFitOfTheChosenAtoms() throws {
        let atoms = randomMatrix(60, 16, seed: 2)
        let targets = randomMatrix(5, 16, seed: 3)
        let k = 6
        let selection = try OrthogonalMatchingPursuit.select(targets: targets, atoms: atoms, k: k, threads: 2)
        for b in 0..<targets.rows {
            let chosen = Array(selection.indices[(b * k)..<((b + 1) * k)])
            #expect(Set(chosen).count == k)
            var system = [Float](repeating: 0, count: 16 * k)
            for (j, atom) in chosen.enumerated() { for i in 0..<16 { system[i * k + j] = atoms.values[atom * 16 + i] } }
            let expected = try LeastSquares.solve(system, rows: 16, cols: k, targets.row(b))
            #expect(maxAbsDifference(Array(selection.coefficients[(b * k)..<((b + 1) * k)]), expected) < 1e-4)
        }
        // Re-orthogonalizing every other step changes nothing but rounding.
        let reorthogonalized = try OrthogonalMatchingPursuit.select(targets: targets, atoms: atoms, k: k, reorthogonalizeEvery: 2, threads: 1)
        #expect(reorthogonalized.indices == selection.indices)
        #expect(maxAbsDifference(reorthogonalized.coefficients, selection.coefficients) < 1e-4)
    }

    @Test func refusesMoreAtomsThanCandidates() {
        #expect(throws: AlloyError.self) {
            try OrthogonalMatchingPursuit.select(targets: randomMatrix(1, 4, seed: 4), atoms: randomMatrix(3, 4, seed: 5), k: 4)
        }
    }
}

@Suite struct TransplantApproximationTests {
    /// Model space = donor space rotated by an orthogonal Q and shifted: the linear methods must recover it.
    func rotatedSpaces(shifted: Bool = true) throws -> (donor: EmbeddingMatrix, model: EmbeddingMatrix) {
        let donor = randomMatrix(60, 8, seed: 6)
        let q = EmbeddingMatrix(rows: 8, cols: 8, values: try Linalg.orthonormalize(randomMatrix(8, 8, seed: 7).values, rows: 8, cols: 8))
        var model = donor.multiplied(by: q)
        if shifted { for r in 0..<model.rows { for c in 0..<8 { model.values[r * 8 + c] += Float(c) * 0.5 } } }
        return (donor, model)
    }

    @Test(arguments: [(ApproximationMethod.landmarkPCA, 8), (.sparseTokenBasis, 8), (.sparseTokenBasis, 12)])
    func linearMethodsRecoverARotatedSpace(method: ApproximationMethod, k: Int) throws {
        let (donor, model) = try rotatedSpaces()
        let approximator = try TokenApproximators.make(context(model: model, donor: donor, shared: 50, method: method, k: k))
        let rows = try approximator.approximate(Array(50..<60))
        #expect(maxAbsDifference(rows.values, model.gathering(Array(50..<60)).values) < 2e-3)
    }

    @Test func ompTransfersCoefficientsToTheModelSpace() throws {
        // With k equal to the dimension the donor row is rebuilt exactly, and the same
        // coefficients on the rotated rows give the rotated row.
        let (donor, model) = try rotatedSpaces(shifted: false)
        let approximator = try TokenApproximators.make(context(model: model, donor: donor, shared: 50, method: .omp, k: 8))
        let rows = try approximator.approximate([55, 58])
        #expect(maxAbsDifference(rows.values, model.gathering([55, 58]).values) < 1e-3)
        // More atoms than dimensions: the extra atoms are dependent and change nothing.
        let more = try TokenApproximators.make(context(model: model, donor: donor, shared: 50, method: .omp, k: 11))
        #expect(maxAbsDifference(try more.approximate([55, 58]).values, model.gathering([55, 58]).values) < 1e-3)
    }

    @Test func commonInterpolationUsesTheNearestSharedTokens() throws {
        var donor = randomMatrix(20, 4, seed: 8)
        // Token 19 sits almost on top of token 2: with k = 1 it takes token 2's model row.
        for j in 0..<4 { donor.values[19 * 4 + j] = donor.values[2 * 4 + j] + 1e-3 }
        let model = randomMatrix(20, 6, seed: 9)
        let approximator = try TokenApproximators.make(context(model: model, donor: donor, shared: 19, method: .commonInterpolation, k: 1))
        #expect(try approximator.approximate([19]).values == model.row(2))
    }

    @Test func ropePositionEstimateInvertsTheRotation() throws {
        let rotation = try RopeRotation(geometry: RopeGeometry(heads: 2, base: 10000), width: 16, role: "model")
        let x = randomMatrix(1, 16, seed: 10).values
        var rotated = [Float](repeating: 0, count: 16)
        x.withUnsafeBufferPointer { src in rotated.withUnsafeMutableBufferPointer { rotation.rotate(src.baseAddress!, position: 0.8, into: $0.baseAddress!) } }
        let estimate = x.withUnsafeBufferPointer { a in rotated.withUnsafeBufferPointer { rotation.estimatePosition(a.baseAddress!, $0.baseAddress!, sign: 1) } }
        #expect(abs(estimate - 0.8) < 0.05)
    }

    @Test func ropeMatchingPursuitProjectsOntoItsAtomsInTheSameSpace() throws {
        let donor = randomMatrix(40, 16, seed: 11)
        let geometry = RopeGeometry(heads: 2, base: 10000)
        let approximator = try TokenApproximators.make(context(model: donor, donor: donor, shared: 30, method: .ropeMatchingPursuit, k: 4, rope: geometry))
        let out = try approximator.approximate([35]).values
        let y = donor.row(35)
        let residual = zip(y, out).map { $0 - $1 }
        let dot = zip(residual, out).map { $0 * $1 }.reduce(0, +)
        let norm = { (v: [Float]) in v.map { $0 * $0 }.reduce(0, +).squareRoot() }
        #expect(abs(dot) < 1e-3 * norm(y) * norm(y))   // least squares: residual ⟂ fit
        #expect(norm(out) <= norm(y) * 1.0001)
        #expect(norm(out) > 0.3 * norm(y))
    }

    @Test func subwordWeightsFollowMergekit() {
        let m = EmbeddingMatrix(rows: 3, cols: 1, values: [1, 10, 100])
        let embed = SubwordApproximator.combine([0, 1, 2], in: m, method: .weightedMean, isLMHead: false)
        let head = SubwordApproximator.combine([0, 1, 2], in: m, method: .weightedMean, isLMHead: true)
        // weighted_mean: first piece weighs most for the embedding, last for the head (mergekit's numbers).
        #expect(abs(embed[0] - (3 + 20 + 100) / 6) < 1e-4)
        #expect(abs(head[0] - (1 + 20 + 300) / 6) < 1e-4)
        #expect(SubwordApproximator.combine([0, 2], in: m, method: .firstLast, isLMHead: false) == [100])
        #expect(SubwordApproximator.combine([0, 2], in: m, method: .firstLast, isLMHead: true) == [1])
        #expect(SubwordApproximator.combine([], in: m, method: .mean, isLMHead: true) == [0])
    }

    @Test func magikarpQuantileInterpolatesLinearly() {
        #expect(Magikarp.quantileOf([4, 1, 3, 2], 0.5) == 2.5)
        #expect(Magikarp.quantileOf([4, 1, 3, 2], 0.01) == 1.03)
    }
}

@Suite struct EmbeddingRebuildTests {
    func rebuild(batchSize: Int, seed: UInt64, method: ApproximationMethod = .randn, noise: Float? = nil,
                 scale: Float? = nil, junk: [Int] = []) throws -> EmbeddingMatrix {
        let model = randomMatrix(6, 4, seed: 20)
        let donor = randomMatrix(10, 3, seed: 21)
        var options = TransplantOptions()
        options.method = method
        options.batchSize = batchSize
        options.seed = seed
        options.newVocabNoise = noise
        options.newVocabScale = scale
        let alignment = VocabularyAlignment(copies: (0..<4).map { .init(donorID: $0, modelID: $0 + 2, match: .exact) },
                                            unmatched: Array(4..<10), rowCount: 10)
        let context = ApproximationContext(tensorName: "embed", model: model, donor: donor, shared: alignment.shared,
                                           isLMHead: false, options: options)
        return try EmbeddingRebuild.build(context, alignment: alignment, junk: junk).0
    }

    @Test func randomRowsDependOnlyOnTheSeedNotTheBatching() throws {
        let a = try rebuild(batchSize: 4, seed: 7), b = try rebuild(batchSize: 0, seed: 7), c = try rebuild(batchSize: 1, seed: 8)
        #expect(a == b)
        #expect(a.values[16..<40] != c.values[16..<40])
        #expect(a.row(0) == randomMatrix(6, 4, seed: 20).row(2))  // copies are untouched
        #expect(a.row(0) == c.row(0))
    }

    @Test func noiseScaleAndJunk() throws {
        let plain = try rebuild(batchSize: 0, seed: 1, method: .mean)
        let scaled = try rebuild(batchSize: 0, seed: 1, method: .mean, scale: 2)
        let noisy = try rebuild(batchSize: 2, seed: 1, method: .mean, noise: 0.5, junk: [1, 5])
        #expect(scaled.row(6) == plain.row(6).map { $0 * 2 })
        #expect(noisy.row(6) != plain.row(6))
        #expect(noisy.row(1) == [0, 0, 0, 0] && noisy.row(5) == [0, 0, 0, 0])
        #expect(noisy == (try rebuild(batchSize: 3, seed: 1, method: .mean, noise: 0.5, junk: [1, 5])))
    }
}
