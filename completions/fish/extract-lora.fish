function __extract-lora_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __extract-lora_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __extract-lora_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __extract-lora_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __extract-lora_parse_tokens -S
    set -l unparsed_tokens (__extract-lora_tokens -pc)
    switch $unparsed_tokens[1]
    case 'extract-lora'
        __extract-lora_parse_subcommand 0 'model=' 'base-model=' 'out-path=' 'max-rank=' 'sv-epsilon=' 'distribute-scale' 'no-distribute-scale' 'embed-lora' 'no-embed-lora' 'save-module=+' 'i/include-regex=+' 'e/exclude-regex=+' 'skip-undecomposable' 'energy=' 'report=' 'svd-method=' 'power-iterations=' 'oversample=' 'random-seed=' 't/threads=' 'json' 'ndjson' 'v/verbose' 'q/quiet' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __extract-lora_parse_subcommand -r 1 
        end
    end
end

function __extract-lora_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __extract-lora_parse_subcommand -S -a positional_count
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

function __extract-lora_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __extract-lora_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__extract-lora_tokens -p)
    if test -z "$(__extract-lora_tokens -t)"
        set -l index (count (__extract-lora_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'extract-lora' -f
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" model' -l 'model' -d 'The fine-tuned model directory.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" base-model' -l 'base-model' -d 'The base model directory the fine-tune started from.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" out-path' -l 'out-path' -d 'Where to write the adapter directory.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" max-rank' -l 'max-rank' -d 'Largest rank per module.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" sv-epsilon' -l 'sv-epsilon' -d 'Drop singular values at or below this (0: off).' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" distribute-scale' -l 'distribute-scale' -d 'Split the singular values\' square roots between A and B (otherwise A takes them all).'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" no-distribute-scale' -l 'no-distribute-scale' -d 'Split the singular values\' square roots between A and B (otherwise A takes them all).'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" embed-lora' -l 'embed-lora' -d 'Decompose the embeddings too instead of saving them whole.'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" no-embed-lora' -l 'no-embed-lora' -d 'Decompose the embeddings too instead of saving them whole.'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora"' -l 'save-module' -d 'Save this module (full name or leaf name) at full rank; repeatable.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora"' -s 'i' -l 'include-regex' -d 'Only decompose modules matching this regex; repeatable.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora"' -s 'e' -l 'exclude-regex' -d 'Leave out modules matching this regex; repeatable.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" skip-undecomposable' -l 'skip-undecomposable' -d 'Leave out modules that cannot be decomposed (norms) instead of saving them whole.'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" energy' -l 'energy' -d 'Per module, the smallest rank keeping this fraction (0–1] of the delta\'s energy (capped by --max-rank).' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" report' -l 'report' -d 'Write the per-module report (rank, energy kept, relative error) as JSON to this file.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" svd-method' -l 'svd-method' -d 'SVD algorithm: auto (block Krylov for large matrices, sgesdd otherwise), full (LAPACK sgesdd), krylov, randomized (power iterations).' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" power-iterations' -l 'power-iterations' -d 'Randomized SVD: Krylov iterations (power iterations with --svd-method randomized).' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" oversample' -l 'oversample' -d 'Randomized SVD: extra columns beyond the rank.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" random-seed' -l 'random-seed' -d 'Seed of the randomized SVD.' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" t threads' -l 'threads' -s 't' -d 'Worker threads (default: the number of CPUs).' -rfka ''
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" json' -l 'json' -d 'Print one JSON document on stdout (it carries schema_version; see the docs).'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" ndjson' -l 'ndjson' -d 'Print one JSON record per line on stdout, then a summary record.'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora"' -l 'verbose' -s 'v' -d 'Say more on stderr (repeat for more).'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" q quiet' -l 'quiet' -s 'q' -d 'Say nothing on stderr but errors.'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_flags_or_options "extract-lora" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'extract-lora' -n '__extract-lora_should_offer_completions_for_positional "extract-lora" -eq 1' -fa 'help' -d 'Show subcommand help information.'
