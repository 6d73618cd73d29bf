import AlloyFormat
/// A PEFT adapter of any kind that can be folded into its base model's weights, one
/// tensor at a time (PEFT's `merge_and_unload`): LoRA, (IA)³, LoHa and LoKr implement it.
///
/// `AdapterFoldedSource` is the one consumer: it shows a base model with the adapter
/// folded in, for `apply-lora` and for `model+adapter` references.
public protocol FoldableAdapter: AnyObject, Sendable {
    /// Where the adapter was read from, for messages.
    var location: String { get }
    /// PEFT's `peft_type` (`LORA`, `IA3`, `LOHA`, `LOKR`).
    var peftType: String { get }
    /// The adapter's tensors.
    var store: TensorStore { get }
    /// How many base modules the adapter changes.
    var moduleCount: Int { get }
    /// Tensors saved in full (`modules_to_save` copies), by their name in the base model
    /// (prefix removed) → name in the store. They replace the base's tensors.
    var extraTensors: [(baseName: String, storeName: String)] { get }

    /// Checks the adapter fits `base` (every module has a weight of a shape it fits) and
    /// returns the names of the base tensors the fold changes (weights, and biases where
    /// the adapter changes them). `multiplier` scales the adapter's effect; kinds for which
    /// that has no meaning throw when it is not 1.
    func foldedTensors(in base: TensorSource, multiplier: Double) throws -> Set<String>

    /// The value of base tensor `name` (one of `foldedTensors`) with the adapter folded in,
    /// computed in `Float` from `base`; the caller rounds it to the output dtype.
    func fold(_ name: String, from base: TensorSource, multiplier: Double) throws -> Tensor

    /// Lets the adapter drop the factors it read to fold `name`.
    func releaseFactors(of name: String)
}
