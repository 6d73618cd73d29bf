/// Reductions and element-wise steps shared by the spherical and averaging
/// methods. Reductions accumulate in Double; element-wise results are rounded to
/// the working precision the way one PyTorch operation in that dtype rounds them.
public enum VectorKernels {
    /// Σ x·y over `count` elements starting at `start` with stride `step`, the products
    /// rounded to `precision` first (as `(x * y).sum()` in a half dtype does).
    @inline(never)
    public static func dot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>, start: Int = 0, step: Int = 1,
                           count: Int? = nil, precision: WorkingPrecision) -> Double {
        let n = count ?? x.count
        var s: Double = 0
        var i = start
        for _ in 0..<n {
            s += Double(precision.round(x[i] * y[i]))
            i += step
        }
        return s
    }

    /// The Euclidean norm, accumulated in Double (as PyTorch's norm accumulates in float).
    @inline(never)
    public static func norm(_ x: UnsafeBufferPointer<Float>, start: Int = 0, step: Int = 1, count: Int? = nil) -> Double {
        let n = count ?? x.count
        var s: Double = 0
        var i = start
        for _ in 0..<n {
            s += Double(x[i]) * Double(x[i])
            i += step
        }
        return s.squareRoot()
    }

    /// `x − y`, rounded.
    @inline(never)
    public static func difference(_ x: [Float], _ y: [Float], precision: WorkingPrecision) -> [Float] {
        var d = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                d.withUnsafeMutableBufferPointer { d in
                    for i in 0..<d.count { d[i] = x[i] - y[i] }
                    precision.round(d)
                }
            }
        }
        return d
    }

    /// `x + y`, rounded.
    @inline(never)
    public static func sum(_ x: [Float], _ y: [Float], precision: WorkingPrecision) -> [Float] {
        var d = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                d.withUnsafeMutableBufferPointer { d in
                    for i in 0..<d.count { d[i] = x[i] + y[i] }
                    precision.round(d)
                }
            }
        }
        return d
    }

    /// `s·x`, rounded.
    @inline(never)
    public static func scaled(_ x: [Float], by s: Float, precision: WorkingPrecision) -> [Float] {
        var d = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { x in
            d.withUnsafeMutableBufferPointer { d in
                for i in 0..<d.count { d[i] = x[i] * s }
                precision.round(d)
            }
        }
        return d
    }

    /// `x / s`, rounded.
    @inline(never)
    public static func divided(_ x: [Float], by s: Float, precision: WorkingPrecision) -> [Float] {
        var d = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { x in
            d.withUnsafeMutableBufferPointer { d in
                for i in 0..<d.count { d[i] = x[i] / s }
                precision.round(d)
            }
        }
        return d
    }

    /// `a·x + b·y` with each product and the sum rounded.
    @inline(never)
    public static func combination(_ a: Float, _ x: [Float], _ b: Float, _ y: [Float], precision: WorkingPrecision) -> [Float] {
        var d = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                d.withUnsafeMutableBufferPointer { d in
                    for i in 0..<d.count { d[i] = precision.round(precision.round(a * x[i]) + precision.round(b * y[i])) }
                }
            }
        }
        return d
    }
}

/// How the elements of a tensor group into the vectors a method treats one by one.
public struct VectorLayout: Sendable, Equatable {
    /// Number of vectors.
    public var count: Int
    /// Elements per vector.
    public var length: Int
    /// Distance between consecutive elements of one vector.
    public var step: Int
    /// Offset of element 0 of vector `v`.
    public func start(_ v: Int) -> Int { step == 1 ? v * length : v }

    /// The whole tensor as one vector.
    public static func flat(_ shape: [Int]) -> VectorLayout {
        VectorLayout(count: 1, length: shape.reduce(1, *), step: 1)
    }

    /// Vectors along the last axis (rows of a matrix); a 1-D tensor is one vector.
    public static func lastAxis(_ shape: [Int]) -> VectorLayout {
        let n = shape.reduce(1, *), l = shape.last ?? 1
        return VectorLayout(count: l == 0 ? 0 : n / l, length: l, step: 1)
    }

    /// Vectors along the first axis (columns of a matrix); a 1-D tensor is one vector.
    public static func firstAxis(_ shape: [Int]) -> VectorLayout {
        let n = shape.reduce(1, *), l = shape.first ?? 1
        let stride = l == 0 ? 0 : n / l
        return VectorLayout(count: stride, length: l, step: stride)
    }
}
