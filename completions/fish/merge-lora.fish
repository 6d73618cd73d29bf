function __merge-lora_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __merge-lora_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __merge-lora_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __merge-lora_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __merge-lora_parse_tokens -S
    set -l unparsed_tokens (__merge-lora_tokens -pc)
    switch $unparsed_tokens[1]
    case 'merge-lora'
        __merge-lora_parse_subcommand -r 1 'out=' 'method=' 'weights=' 'density=' 'majority-sign=' 'svd-rank=' 'svd-clamp=' 'random-seed=' 'svd-method=' 'dtype=' 'base-model=' 'ia3-missing-as-identity' 't/threads=' 'json' 'ndjson' 'v/verbose' 'q/quiet' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __merge-lora_parse_subcommand -r 1 
        end
    end
end

function __merge-lora_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __merge-lora_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __merge-lora_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __merge-lora_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__merge-lora_tokens -p)
    if test -z "$(__merge-lora_tokens -t)"
        set -l index (count (__merge-lora_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'merge-lora' -f
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" out' -l 'out' -d 'Where to write the merged adapter directory.' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" method' -l 'method' -d 'Combination type: cat, linear, svd, ties, ties_svd, dare_linear, dare_ties, dare_linear_svd, dare_ties_svd, magnitude_prune, magnitude_prune_svd (default: svd; (IA)³ adapters are always merged linear).' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" weights' -l 'weights' -d 'Comma-separated weight per adapter, e.g. 1,0.5 or -0.5,1 (default: 1 each).' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" density' -l 'density' -d 'Fraction of entries kept by ties, dare_* and magnitude_prune* methods.' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" majority-sign' -l 'majority-sign' -d 'Sign election of ties methods: total or frequency.' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" svd-rank' -l 'svd-rank' -d 'Rank of the merged adapter for svd methods (default: the largest input rank).' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" svd-clamp' -l 'svd-clamp' -d 'Clamp the svd factors to this quantile (in [0, 1]) of their values.' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" random-seed' -l 'random-seed' -d 'Seed for the DARE methods\' random drops and the randomized SVD.' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" svd-method' -l 'svd-method' -d 'SVD algorithm for dense deltas: auto (block Krylov for large matrices, sgesdd otherwise), full (LAPACK sgesdd), krylov, randomized.' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" dtype' -l 'dtype' -d 'Dtype of the merged factors (PEFT writes float32).' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" base-model' -l 'base-model' -d 'Base model: resolves kohya-style module names; supplies the modules_to_save copies of the merged adapter.' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" ia3-missing-as-identity' -l 'ia3-missing-as-identity' -d '(IA)³ only: count an adapter that does not scale a module as ones (neutral) instead of PEFT\'s zeros.'
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" t threads' -l 'threads' -s 't' -d 'Worker threads (default: the number of CPUs).' -rfka ''
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" json' -l 'json' -d 'Print one JSON document on stdout (it carries schema_version; see the docs).'
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" ndjson' -l 'ndjson' -d 'Print one JSON record per line on stdout, then a summary record.'
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora"' -l 'verbose' -s 'v' -d 'Say more on stderr (repeat for more).'
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" q quiet' -l 'quiet' -s 'q' -d 'Say nothing on stderr but errors.'
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_flags_or_options "merge-lora" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'merge-lora' -n '__merge-lora_should_offer_completions_for_positional "merge-lora" -eq 1' -fa 'help' -d 'Show subcommand help information.'
