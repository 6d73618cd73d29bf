import AlloyMath
/// The element-wise loops of the task-arithmetic family, over one block of a
/// tensor. Each step rounds to the working dtype exactly where mergekit's tensor
/// operations round; the loops are generic over the rounding so each dtype gets
/// its own vectorised copy, and they are branch-free (data-dependent branches on
/// signs and random masks mispredict half the time).
enum TaskVectorKernels {
    /// `d = x − b` with `x` first cast to the working dtype, rounded. `xIsExact` says every `x` is
    /// already exact in the working dtype, so the cast is skipped (bit-identical: the cast could
    /// only quieten a signalling NaN, which the subtraction quietens the same way).
    static func taskVector(_ x: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                           into d: UnsafeMutableBufferPointer<Float>, xIsExact: Bool = false, _ p: WorkingPrecision) {
        guard d.count > 0 else { return }
        switch (p.kind, xIsExact) {
        case (.exact, _): taskVector(NoRounding.self, NoRounding.self, x.baseAddress!, b.baseAddress!, d.baseAddress!, d.count)
        case (.bfloat16, false): taskVector(BFloat16Rounding.self, BFloat16Rounding.self, x.baseAddress!, b.baseAddress!, d.baseAddress!, d.count)
        case (.bfloat16, true): taskVector(NoRounding.self, BFloat16Rounding.self, x.baseAddress!, b.baseAddress!, d.baseAddress!, d.count)
        case (.float16, false): taskVector(Float16Rounding.self, Float16Rounding.self, x.baseAddress!, b.baseAddress!, d.baseAddress!, d.count)
        case (.float16, true): taskVector(NoRounding.self, Float16Rounding.self, x.baseAddress!, b.baseAddress!, d.baseAddress!, d.count)
        }
    }

    /// `d = R(X(x) − b)`: `X` casts the input, `R` rounds the difference.
    @inline(never) static func taskVector<X: RoundingRule, R: RoundingRule>(_: X.Type, _: R.Type, _ x: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                                                           _ d: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { d[i] = R.round(X.round(x[i]) - b[i]) }
    }

    /// `d = (d·factor)·weight` with each product rounded (no factor: `d·weight`).
    static func weigh(_ d: UnsafeMutableBufferPointer<Float>, factor: Float?, weight: Float, _ p: WorkingPrecision) {
        guard d.count > 0 else { return }
        switch p.kind {
        case .exact: weigh(NoRounding.self, d.baseAddress!, d.count, factor, weight)
        case .bfloat16: weigh(BFloat16Rounding.self, d.baseAddress!, d.count, factor, weight)
        case .float16: weigh(Float16Rounding.self, d.baseAddress!, d.count, factor, weight)
        }
    }

    @inline(never) static func weigh<R: RoundingRule>(_: R.Type, _ d: UnsafeMutablePointer<Float>, _ n: Int, _ factor: Float?, _ w: Float) {
        if let f = factor, w == 1 {
            // Multiplying a rounded value by 1 and rounding again changes nothing.
            for i in 0..<n { d[i] = R.round(d[i] * f) }
        } else if let f = factor {
            for i in 0..<n { d[i] = R.round(R.round(d[i] * f) * w) }
        } else {
            for i in 0..<n { d[i] = R.round(d[i] * w) }
        }
    }

    /// What follows the weighted task vectors: normalisation and `lambda`.
    struct Finish {
        var normalize: Bool
        /// nil when `lambda` is 1.
        var lambda: Float?
        /// Without sign consensus: the scalar divisor `Σ wᵢ`.
        var divisor: Float = 1
    }

    /// TIES sign consensus over `weighted` (with `weights`), then normalisation, `lambda`
    /// and the base: the elected sign is that of `Σ Wᵢ` (0 elects +), an entry agrees when
    /// its sign equals it (zeros never agree), `M = Σ agreeing Wᵢ`, `Z = Σ agreeing wᵢ` (0 → 1).
    /// `scratch` holds three blocks of temporaries for more than two models.
    static func consensus(_ weighted: [UnsafeMutableBufferPointer<Float>], weights: [Float], base: UnsafeBufferPointer<Float>,
                          into out: UnsafeMutableBufferPointer<Float>, finish: Finish, scratch: UnsafeMutableBufferPointer<Float>,
                          _ p: WorkingPrecision) {
        let n = out.count
        guard n > 0 else { return }
        let b = base.baseAddress!, o = out.baseAddress!
        if weighted.count == 2 {
            let x = UnsafePointer(weighted[0].baseAddress!), y = UnsafePointer(weighted[1].baseAddress!)
            switch p.kind {
            case .exact: consensus2(NoRounding.self, x, weights[0], y, weights[1], b, o, n, finish)
            case .bfloat16: consensus2(BFloat16Rounding.self, x, weights[0], y, weights[1], b, o, n, finish)
            case .float16: consensus2(Float16Rounding.self, x, weights[0], y, weights[1], b, o, n, finish)
            }
            return
        }
        let total = scratch.baseAddress!, mixed = total + n, divisor = mixed + n
        fill(total, n)
        fill(mixed, n)
        fill(divisor, n)
        for w in weighted { add(UnsafePointer(w.baseAddress!), into: total, n) }
        for (w, weight) in zip(weighted, weights) {
            accumulateAgreeing(UnsafePointer(w.baseAddress!), weight, UnsafePointer(total), mixed, divisor, n)
        }
        switch p.kind {
        case .exact: finishConsensus(NoRounding.self, mixed, divisor, b, o, n, finish)
        case .bfloat16: finishConsensus(BFloat16Rounding.self, mixed, divisor, b, o, n, finish)
        case .float16: finishConsensus(Float16Rounding.self, mixed, divisor, b, o, n, finish)
        }
    }

    /// The plain sum `M = Σ Wᵢ`, divided by `finish.divisor` when normalising, then `lambda` and the base.
    static func sum(_ weighted: [UnsafeMutableBufferPointer<Float>], base: UnsafeBufferPointer<Float>,
                    into out: UnsafeMutableBufferPointer<Float>, finish: Finish, _ p: WorkingPrecision) {
        let n = out.count
        guard n > 0 else { return }
        let o = out.baseAddress!
        fill(o, n)
        for w in weighted { add(UnsafePointer(w.baseAddress!), into: o, n) }
        switch p.kind {
        case .exact: finishSum(NoRounding.self, o, base.baseAddress!, n, finish)
        case .bfloat16: finishSum(BFloat16Rounding.self, o, base.baseAddress!, n, finish)
        case .float16: finishSum(Float16Rounding.self, o, base.baseAddress!, n, finish)
        }
    }

    /// True when `x` is non-zero and has the sign `s` elects (`s ≥ 0`: +).
    @inline(__always) static func agrees(_ x: Float, _ s: Float) -> Bool { ((x > 0) && (s >= 0)) != ((x < 0) && (s < 0)) }

    static func consensus2<R: RoundingRule>(_ r: R.Type, _ x: UnsafePointer<Float>, _ wx: Float, _ y: UnsafePointer<Float>, _ wy: Float,
                                            _ b: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int, _ f: Finish) {
        let lambda = f.lambda ?? 1
        // With weights such as 1 or 0.5 every divisor is a power of two: dividing is then
        // multiplying by its (exact) reciprocal, bit for bit, and far cheaper.
        let reciprocals = f.normalize && consensus2Divisors(r, wx, wy).allSatisfy(hasExactReciprocal)
        switch (f.normalize, f.lambda != nil, reciprocals) {
        case (false, false, _): consensus2(r, Off.self, Off.self, Off.self, x, wx, y, wy, b, o, n, lambda)
        case (true, false, false): consensus2(r, On.self, Off.self, Off.self, x, wx, y, wy, b, o, n, lambda)
        case (true, false, true): consensus2(r, On.self, Off.self, On.self, x, wx, y, wy, b, o, n, lambda)
        case (false, true, _): consensus2(r, Off.self, On.self, Off.self, x, wx, y, wy, b, o, n, lambda)
        case (true, true, false): consensus2(r, On.self, On.self, Off.self, x, wx, y, wy, b, o, n, lambda)
        case (true, true, true): consensus2(r, On.self, On.self, On.self, x, wx, y, wy, b, o, n, lambda)
        }
    }

    /// True when `z` is a power of two whose reciprocal is a normal float, so `m / z == m * (1 / z)`
    /// for every `m` (both are the correctly rounded `m·2⁻ᵏ`).
    static func hasExactReciprocal(_ z: Float) -> Bool {
        z.isNormal && z.significandBitPattern == 0 && (1 / z).isNormal
    }

    /// The four values the two-model divisor takes (both, only x, only y, neither agreeing),
    /// computed as the loop would.
    static func consensus2Divisors<R: RoundingRule>(_: R.Type, _ wx: Float, _ wy: Float) -> [Float] {
        func divisor(_ a: Bool, _ b: Bool) -> Float {
            let z = R.round((0 + MagnitudeRankMask.masked(wx, a)) + MagnitudeRankMask.masked(wy, b))
            return z == 0 ? 1 : z
        }
        return [divisor(true, true), divisor(true, false), divisor(false, true), divisor(false, false)]
    }

    /// Two models in one loop; `N` and `L` switch normalisation and `lambda` at compile time, `Q`
    /// multiplies by the divisors' reciprocals (only when they are exact powers of two).
    @inline(never) static func consensus2<R: RoundingRule, N: StaticFlag, L: StaticFlag, Q: StaticFlag>(
        _: R.Type, _: N.Type, _: L.Type, _: Q.Type, _ x: UnsafePointer<Float>, _ wx: Float, _ y: UnsafePointer<Float>, _ wy: Float,
        _ b: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int, _ lambda: Float
    ) {
        // The divisor takes one of four values, by which entries agree.
        var z4 = consensus2Divisors(R.self, wx, wy)
        if Q.on { z4 = z4.map { 1 / $0 } }
        let zBoth = z4[0], zX = z4[1], zY = z4[2], zNone = z4[3]
        for i in 0..<n {
            let u = x[i], v = y[i]
            let s = (0 + u) + v
            let au = agrees(u, s), av = agrees(v, s)
            var m = R.round((0 + MagnitudeRankMask.masked(u, au)) + MagnitudeRankMask.masked(v, av))
            if N.on {
                let z = au ? (av ? zBoth : zX) : (av ? zY : zNone)
                m = Q.on ? R.round(m * z) : R.round(m / z)
            }
            if L.on { m = R.round(m * lambda) }
            o[i] = R.round(m + b[i])
        }
    }

    @inline(never) static func fill(_ v: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { v[i] = 0 }
    }

    @inline(never) static func add(_ x: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { acc[i] += x[i] }
    }

    @inline(never) static func accumulateAgreeing(_ x: UnsafePointer<Float>, _ weight: Float, _ s: UnsafePointer<Float>,
                                                  _ mixed: UnsafeMutablePointer<Float>, _ divisor: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let a = agrees(x[i], s[i])
            mixed[i] += MagnitudeRankMask.masked(x[i], a)
            divisor[i] += MagnitudeRankMask.masked(weight, a)
        }
    }

    @inline(never) static func finishConsensus<R: RoundingRule>(_: R.Type, _ mixed: UnsafePointer<Float>, _ divisor: UnsafePointer<Float>,
                                                               _ b: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int, _ f: Finish) {
        let lambda = f.lambda ?? 1, scaled = f.lambda != nil, normalize = f.normalize
        for i in 0..<n {
            var m = R.round(mixed[i])
            var z = R.round(divisor[i])
            z = z == 0 ? 1 : z
            m = normalize ? R.round(m / z) : m
            m = scaled ? R.round(m * lambda) : m
            o[i] = R.round(m + b[i])
        }
    }

    @inline(never) static func finishSum<R: RoundingRule>(_: R.Type, _ o: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>,
                                                         _ n: Int, _ f: Finish) {
        let lambda = f.lambda ?? 1, scaled = f.lambda != nil, normalize = f.normalize, z = f.divisor
        for i in 0..<n {
            var m = R.round(o[i])
            m = normalize ? R.round(m / z) : m
            m = scaled ? R.round(m * lambda) : m
            o[i] = R.round(m + b[i])
        }
    }
}

/// A Boolean known at compile time, so a generic loop is specialised without the test.
protocol StaticFlag { static var on: Bool { get } }
enum On: StaticFlag { static var on: Bool { true } }
enum Off: StaticFlag { static var on: Bool { false } }
