/// Element-wise accumulation shared by methods that combine task vectors (SCE;
/// the task-arithmetic family has fused loops in `TaskVectorKernels`).
public enum DeltaCombination {
    /// `acc += x`, element by element.
    @inline(never) static func accumulate(_ x: [Float], into acc: inout [Float]) {
        x.withUnsafeBufferPointer { x in
            acc.withUnsafeMutableBufferPointer { a in
                for i in 0..<a.count { a[i] += x[i] }
            }
        }
    }
}
