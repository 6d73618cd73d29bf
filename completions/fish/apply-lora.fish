function __apply-lora_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __apply-lora_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __apply-lora_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __apply-lora_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __apply-lora_parse_tokens -S
    set -l unparsed_tokens (__apply-lora_tokens -pc)
    switch $unparsed_tokens[1]
    case 'apply-lora'
        __apply-lora_parse_subcommand 3 'dtype=' 'out-shard-size=' 'scale=' 't/threads=' 'json' 'ndjson' 'v/verbose' 'q/quiet' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __apply-lora_parse_subcommand -r 1 
        end
    end
end

function __apply-lora_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __apply-lora_parse_subcommand -S -a positional_count
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

function __apply-lora_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __apply-lora_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__apply-lora_tokens -p)
    if test -z "$(__apply-lora_tokens -t)"
        set -l index (count (__apply-lora_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'apply-lora' -f
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_flags_or_options "apply-lora" dtype' -l 'dtype' -d 'Dtype of the floating-point tensors written (default: each keeps the base\'s), e.g. bfloat16, float16, float32.' -rfka ''
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_flags_or_options "apply-lora" out-shard-size' -l 'out-shard-size' -d 'Largest shard, e.g. 5GB, 500MB.' -rfka ''
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_flags_or_options "apply-lora" scale' -l 'scale' -d 'Multiply every module\'s scaling by this (1 = PEFT\'s merge; LoRA, LoHa, LoKr).' -rfka ''
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_flags_or_options "apply-lora" t threads' -l 'threads' -s 't' -d 'Worker threads (default: the number of CPUs).' -rfka ''
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_flags_or_options "apply-lora" json' -l 'json' -d 'Print one JSON document on stdout (it carries schema_version; see the docs).'
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_flags_or_options "apply-lora" ndjson' -l 'ndjson' -d 'Print one JSON record per line on stdout, then a summary record.'
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_flags_or_options "apply-lora"' -l 'verbose' -s 'v' -d 'Say more on stderr (repeat for more).'
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_flags_or_options "apply-lora" q quiet' -l 'quiet' -s 'q' -d 'Say nothing on stderr but errors.'
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_flags_or_options "apply-lora" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'apply-lora' -n '__apply-lora_should_offer_completions_for_positional "apply-lora" -eq 1' -fa 'help' -d 'Show subcommand help information.'
