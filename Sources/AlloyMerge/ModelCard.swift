import AlloyModel
import Foundation

/// The `README.md` written next to a merged model: Hugging Face front matter
/// (`base_model`, `library_name`, `tags`) and a description holding the configuration.
public enum ModelCard {
    /// Paper or reference links for the merge methods.
    static let references: [String: (String, String)] = [
        "linear": ("Linear", "https://arxiv.org/abs/2203.05482"),
        "slerp": ("SLERP", "https://en.wikipedia.org/wiki/Slerp"),
        "nuslerp": ("NuSLERP", ""),
        "multislerp": ("Multi-SLERP", ""),
        "karcher": ("Karcher Mean", "https://en.wikipedia.org/wiki/Karcher_mean"),
        "passthrough": ("Passthrough", ""),
        "task_arithmetic": ("Task Arithmetic", "https://arxiv.org/abs/2212.04089"),
        "ties": ("TIES", "https://arxiv.org/abs/2306.01708"),
        "dare_ties": ("DARE TIES", "https://arxiv.org/abs/2311.03099"),
        "dare_linear": ("DARE", "https://arxiv.org/abs/2311.03099"),
        "breadcrumbs": ("Model Breadcrumbs", "https://arxiv.org/abs/2312.06795"),
        "breadcrumbs_ties": ("Model Breadcrumbs with TIES", "https://arxiv.org/abs/2312.06795"),
        "della": ("DELLA", "https://arxiv.org/abs/2406.11617"),
        "della_linear": ("Linear DELLA", "https://arxiv.org/abs/2406.11617"),
        "model_stock": ("Model Stock", "https://arxiv.org/abs/2403.19522"),
        "sce": ("SCE", "https://arxiv.org/abs/2408.07990"),
        "nearswap": ("NearSwap", ""),
        "arcee_fusion": ("Arcee Fusion", ""),
        "ram": ("RAM", ""),
        "ramplus_tl": ("RAM+", ""),
    ]

    /// True for references that look like Hub repositories rather than local paths
    /// (mergekit's rule: local paths start with `/` or `~`, or have more than one `/`,
    /// or exist on disk).
    public static func isHubReference(_ path: String) -> Bool {
        if path.hasPrefix("/") || path.hasPrefix("~") || path.hasPrefix(".") { return false }
        if path.filter({ $0 == "/" }).count > 1 { return false }
        return !FileManager.default.fileExists(atPath: path)
    }

    /// The card text for a merge of `configuration` written to a directory named `title`.
    public static func render(configuration: MergeConfiguration, title: String) -> String {
        var hub: [String] = []
        for m in configuration.referencedModels {
            for p in [m.path, m.adapter].compactMap({ $0 }) where isHubReference(p) && !hub.contains(p) { hub.append(p) }
        }
        var s = "---\n"
        if hub.isEmpty {
            s += "base_model: []\n"
        } else {
            s += "base_model:\n" + hub.map { "- \($0)\n" }.joined()
        }
        s += "library_name: transformers\ntags:\n- mergekit\n- merge\n\n---\n"
        s += "# \(title)\n\n"
        s += "This is a merge of pre-trained language models, made with Alloy's merge-yaml from a mergekit configuration.\n\n"
        s += "## Merge Details\n### Merge Method\n\n"
        let method = configuration.mergeMethod
        let (label, url) = references[method] ?? (method, "")
        let link = url.isEmpty ? label : "[\(label)](\(url))"
        s += "This model was merged using the \(link) merge method"
        let base = configuration.baseModel
        if let base, method != "slerp" { s += " using \(display(base)) as a base" }
        s += ".\n\n### Models Merged\n\nThe following models were included in the merge:\n"
        for m in configuration.referencedModels where m != base || method == "slerp" {
            s += "* \(display(m))\n"
        }
        s += "\n### Configuration\n\nThe following YAML configuration was used to produce this model:\n\n```yaml\n"
        s += configuration.text.hasSuffix("\n") ? configuration.text : configuration.text + "\n"
        s += "```\n"
        return s
    }

    static func display(_ m: ModelReference) -> String {
        func one(_ p: String) -> String { isHubReference(p) ? "[\(p)](https://huggingface.co/\(p))" : p }
        return m.adapter.map { "\(one(m.path)) + \(one($0))" } ?? one(m.path)
    }
}
