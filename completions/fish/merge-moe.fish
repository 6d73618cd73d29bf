function __merge-moe_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __merge-moe_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __merge-moe_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __merge-moe_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __merge-moe_parse_tokens -S
    set -l unparsed_tokens (__merge-moe_tokens -pc)
    switch $unparsed_tokens[1]
    case 'merge-moe'
        __merge-moe_parse_subcommand 2 'expert-layout=' 'random-seed=' 'i-understand-this-is-not-useful-without-training' 'out-shard-size=' 'copy-tokenizer' 'no-copy-tokenizer' 'write-model-card' 'no-write-model-card' 'forward-dtype=' 'j/num-threads=' 'device=' 'v/verbose' 'q/quiet' 'json' 'ndjson' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __merge-moe_parse_subcommand -r 1 
        end
    end
end

function __merge-moe_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __merge-moe_parse_subcommand -S -a positional_count
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

function __merge-moe_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __merge-moe_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__merge-moe_tokens -p)
    if test -z "$(__merge-moe_tokens -t)"
        set -l index (count (__merge-moe_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'merge-moe' -f
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" expert-layout' -l 'expert-layout' -d 'fused or per-expert (default: the family\'s mergekit-moe layout).' -rfka ''
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" random-seed' -l 'random-seed' -d 'Seed for random gates and expert noise (default 0).' -rfka ''
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" i-understand-this-is-not-useful-without-training' -l 'i-understand-this-is-not-useful-without-training' -d 'Allow every expert to be the same model.'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" out-shard-size' -l 'out-shard-size' -d 'Largest output shard (5B, 2GB, 500M; K/M/B = 10^3/10^6/10^9 bytes).' -rfka ''
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" copy-tokenizer' -l 'copy-tokenizer' -d 'Copy the base model\'s tokenizer.'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" no-copy-tokenizer' -l 'no-copy-tokenizer' -d 'Copy the base model\'s tokenizer.'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" write-model-card' -l 'write-model-card' -d 'Write README.md and mergekit_moe_config.yml.'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" no-write-model-card' -l 'no-write-model-card' -d 'Write README.md and mergekit_moe_config.yml.'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" forward-dtype' -l 'forward-dtype' -d 'Round the gate forward pass\'s activations to this dtype (e.g. bfloat16) to follow a bf16 reference; default float32.' -rfka ''
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" j num-threads' -s 'j' -l 'num-threads' -d 'Tensors assembled at once (default 2).' -rfka ''
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" device' -l 'device' -d 'Where hidden states are computed: cpu (the only device; auto accepted).' -rfka ''
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe"' -l 'verbose' -s 'v' -d 'Say more on stderr (repeat for more).'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" q quiet' -l 'quiet' -s 'q' -d 'Say nothing on stderr but errors.'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" json' -l 'json' -d 'Print one JSON document on stdout (it carries schema_version; see the docs).'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" ndjson' -l 'ndjson' -d 'Print one JSON record per line on stdout, then a summary record.'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_flags_or_options "merge-moe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'merge-moe' -n '__merge-moe_should_offer_completions_for_positional "merge-moe" -eq 1' -fa 'help' -d 'Show subcommand help information.'
